package io.jdtm.spring.web;

import io.jdtm.client.DtmFailureException;
import io.jdtm.client.DtmOngoingException;
import io.jdtm.client.RmResponse;
import io.jdtm.client.RmResponses;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns the SDK's branch outcomes thrown by any Spring MVC handler into the answers DTM's TM reads (spec §2.2):
 * {@link DtmFailureException} → {@code 409 {"dtm_result":"FAILURE","message":…}} (the TM rolls back),
 * {@link DtmOngoingException} → {@code 425 {"dtm_result":"ONGOING"}} (the TM retries later). A handler that returns
 * normally answers 200, which is SUCCESS. A request lacking DTM's parameters is answered 400 naming the one missing
 * ({@link MissingBranchParameterException}). Other exceptions are left to the application (a 500 makes the TM
 * retry).
 *
 * <p>Ordered at 0, so it wins over the application's unordered advice (a catch-all {@code Exception} handler would
 * otherwise turn FAILURE into a retried 500); an application advice ordered before it, or a handler's own
 * {@code @ExceptionHandler}, takes precedence. Switch it off with {@code jdtm.web.enabled=false}.
 */
@RestControllerAdvice
@Order(0)
public class DtmExceptionHandler {

    @ExceptionHandler(DtmFailureException.class)
    public ResponseEntity<String> failure(DtmFailureException e) {
        return answer(RmResponses.failure(e.getMessage()));
    }

    @ExceptionHandler(DtmOngoingException.class)
    public ResponseEntity<String> ongoing(DtmOngoingException e) {
        return answer(RmResponses.ongoing());
    }

    /** {@code 400 {"error":…}} naming the parameter: the TM retries a 400 like any error, but a person can read it. */
    @ExceptionHandler(MissingBranchParameterException.class)
    public ResponseEntity<String> missingParameter(MissingBranchParameterException e) {
        RmResponse error = RmResponses.error(e.getMessage());
        return answer(new RmResponse(400, error.body()));
    }

    private static ResponseEntity<String> answer(RmResponse r) {
        return ResponseEntity.status(r.status()).contentType(MediaType.APPLICATION_JSON).body(r.body());
    }
}
