package io.jdtm.examples.spring;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.jdtm.client.DtmFailureException;

/**
 * The payload of every branch: the amount, and {@code trans_in_result: "FAILURE"} when the AP asks the TransIn
 * branches to refuse (how the example shows a rollback, after DTM's test bank).
 */
public record Transfer(int amount, @JsonProperty("trans_in_result") String transInResult) {

    static Transfer of(int amount, boolean transInFails) {
        return new Transfer(amount, transInFails ? "FAILURE" : "");
    }

    /** @throws DtmFailureException when the request asked TransIn to refuse */
    void refuseIfAsked() {
        if ("FAILURE".equals(transInResult)) {
            throw new DtmFailureException("TransIn refused: the request asked for FAILURE");
        }
    }
}
