package io.jdtm.client;

import io.jdtm.client.internal.Http;
import io.jdtm.protocol.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** AP→RM calls made by the SDK itself (TCC Try, XA action, msg QueryPrepared), classified as DTM's client does. */
final class Branches {
    private Branches() {}

    /**
     * Calls a branch URL with DTM's query parameters and classifies the answer by spec §2.2.
     *
     * @param extraQuery parameters after the standard ones, e.g. {@code phase2_url}
     */
    static BranchResponse call(Http http, String method, String url, String dtm, String gid, String transType,
            String branchId, String op, Map<String, String> extraQuery, Map<String, String> headers, String body,
            Duration timeout) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("dtm", dtm);
        q.put("gid", gid);
        q.put("branch_id", branchId);
        q.put("trans_type", transType);
        q.put("op", op);
        q.putAll(extraQuery);
        String full = Http.withQuery(url, q);
        Http.Response r;
        try {
            r = http.send(method, full, headers, body, timeout);
        } catch (IOException e) {
            throw new DtmUnknownException(op + " call to " + url + " failed: " + e, gid, e);
        }
        String text = op + " of branch " + branchId + " at " + url + " answered " + r.status() + ": " + r.body();
        return switch (Outcome.ofHttp(r.status(), r.body())) {
            case SUCCESS -> new BranchResponse(r.status(), r.body());
            case FAILURE -> throw new DtmFailureException(text, gid);
            case ONGOING -> throw new DtmOngoingException(text, gid);
            case ERROR -> throw new DtmUnknownException(text, gid, r.status(), null);
        };
    }

    static Duration timeout(TransactionOptions o) {
        return o.requestTimeoutSeconds() > 0 ? Duration.ofSeconds(o.requestTimeoutSeconds()) : null;
    }
}
