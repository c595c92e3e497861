package io.jdtm.examples.fault;

import io.jdtm.protocol.DtmJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One transfer of the workload and how it is submitted: a two-step saga, TransOut (debit {@code from}, refused with
 * FAILURE on insufficient funds) then TransIn (credit {@code to}, refused when {@code refuse}), each with its
 * compensation.
 *
 * @param gid the global transaction id
 * @param from the debited account
 * @param to the credited account
 * @param amount the amount moved
 * @param refuse whether TransIn answers FAILURE (the saga must roll back TransOut)
 * @param waitResult whether the first submit asks for {@code wait_result}
 * @param timeoutToFail the saga's {@code timeout_to_fail} in seconds, 0 for none
 * @param retryLimit the saga's {@code retry_limit}, 0 for none
 * @param resubmitAfterMillis when to submit the same saga again, or -1 for never
 */
record Transfer(String gid, int from, int to, long amount, boolean refuse, boolean waitResult, int timeoutToFail,
        int retryLimit, long resubmitAfterMillis) {

    /** The body the handlers read (both steps carry the same one). */
    String payload() {
        return "{\"from\":" + from + ",\"to\":" + to + ",\"amount\":" + amount + ",\"refuse\":" + refuse + "}";
    }

    /** The {@code /submit} body, on the bank at {@code busi} (e.g. {@code http://127.0.0.1:4711/api/busi}). */
    String submitBody(String busi, int retryInterval, int requestTimeout, boolean wait) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("gid", gid);
        b.put("trans_type", "saga");
        List<Map<String, String>> steps = new ArrayList<>();
        steps.add(Map.of("action", busi + "/TransOut", "compensate", busi + "/TransOutCompensate"));
        steps.add(Map.of("action", busi + "/TransIn", "compensate", busi + "/TransInCompensate"));
        b.put("steps", steps);
        b.put("payloads", List.of(payload(), payload()));
        b.put("retry_interval", retryInterval);
        b.put("request_timeout", requestTimeout);
        if (timeoutToFail > 0) {
            b.put("timeout_to_fail", timeoutToFail);
        }
        if (retryLimit > 0) {
            b.put("retry_limit", retryLimit);
        }
        if (wait) {
            b.put("wait_result", true);
        }
        return DtmJson.write(b);
    }
}
