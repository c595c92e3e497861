package io.jdtm.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.TransRequest;
import io.jdtm.server.trans.DtmException;
import io.jdtm.server.trans.TransService;
import java.util.Map;

/**
 * DTM's JSON-RPC 2.0 endpoint {@code POST /api/json-rpc} (spec §3.20): methods newGid, prepare, submit, abort and
 * registerBranch with the REST semantics. The envelope is HTTP 200 except for an unparsable body (400, as DTM).
 * A store that cannot be reached is error code {@value #STORE_UNAVAILABLE} (a JSON-RPC "server error") with the
 * message {@code storage unavailable: …}, where the REST API answers 503.
 */
final class JsonRpcApi {
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INTERNAL = -32603;
    static final int FAILURE = -32901;
    /** jdtm: the store cannot be reached right now; the call may be repeated (REST: 503). */
    static final int STORE_UNAVAILABLE = -32000;

    record Reply(int httpStatus, ObjectNode body) {}

    private final TransService service;

    JsonRpcApi(TransService service) {
        this.service = service;
    }

    Reply handle(byte[] raw) {
        JsonNode req;
        try {
            req = DtmJson.mapper().readTree(raw);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return new Reply(400, envelope(null, PARSE_ERROR, "parse error: " + Problem.jsonProblem(e), null));
        } catch (java.io.IOException e) {
            return new Reply(400, envelope(null, PARSE_ERROR, "parse error: the body could not be read", null));
        }
        if (req == null || !req.isObject() || !req.path("id").isTextual()) {
            return new Reply(400, envelope(null, PARSE_ERROR, "parse error: the request must be a JSON object with a string id", null));
        }
        String id = req.get("id").asText();
        if (id.isEmpty() || !"2.0".equals(req.path("jsonrpc").asText())) {
            return new Reply(200, envelope(id, INVALID_REQUEST, "invalid request: needs jsonrpc \"2.0\" and a non-empty id", null));
        }
        String method = req.path("method").asText("");
        JsonNode params = req.path("params");
        try {
            Object result = switch (method) {
                case "newGid" -> Map.of("gid", Gids.next());
                case "prepare" -> {
                    service.prepare(trans(params));
                    yield null;
                }
                case "submit" -> {
                    service.submit(trans(params));
                    yield null;
                }
                case "abort" -> {
                    service.abort(trans(params));
                    yield null;
                }
                case "registerBranch" -> {
                    service.registerBranch(HttpApi.stringMap(params, false));
                    yield null;
                }
                default -> throw new UnknownMethod(method);
            };
            return new Reply(200, envelope(id, 0, null, result));
        } catch (UnknownMethod e) {
            return new Reply(200, envelope(id, METHOD_NOT_FOUND, "method not found: " + method, Map.of()));
        } catch (Exception e) {
            Problem p = Problem.of(e);
            return new Reply(200, envelope(id, code(p.kind()), p.message(), Map.of()));
        }
    }

    /**
     * The answer when the request could not even be read (a body over {@code MaxBodyBytes}, a broken upload): no id
     * is known yet, so the envelope carries none; the HTTP status says what happened (413, 400, 503).
     */
    static Reply unreadable(Throwable t) {
        Problem p = Problem.of(t);
        int status = switch (p.kind()) {
            case TOO_LARGE -> 413;
            case UNAVAILABLE -> 503;
            case INTERNAL -> 500;
            default -> 400;
        };
        return new Reply(status, envelope(null, p.kind() == Problem.Kind.INTERNAL ? INTERNAL : INVALID_REQUEST,
                "invalid request: " + p.message(), null));
    }

    /** JSON-RPC error codes (spec §2.4): DTM uses -32901 for FAILURE and -32603 for everything else. */
    static int code(Problem.Kind k) {
        return switch (k) {
            case FAILURE -> FAILURE;
            case UNAVAILABLE -> STORE_UNAVAILABLE;
            default -> INTERNAL;
        };
    }

    private static TransRequest trans(JsonNode params) throws java.io.IOException {
        if (params == null || !params.isObject()) {
            throw DtmException.badRequest("params must be a JSON transaction object");
        }
        return DtmJson.mapper().treeToValue(params, TransRequest.class);
    }

    /** The envelope always carries {@code error} and {@code result}, null or not (clients test {@code error}). */
    private static ObjectNode envelope(String id, int code, String message, Object result) {
        ObjectNode m = DtmJson.mapper().createObjectNode();
        m.put("jsonrpc", "2.0");
        m.put("id", id);
        if (code == 0) {
            m.putNull("error");
        } else {
            m.putObject("error").put("code", code).put("message", message);
        }
        m.set("result", DtmJson.mapper().valueToTree(result));
        return m;
    }

    private static final class UnknownMethod extends RuntimeException {
        UnknownMethod(String m) {
            super(m, null, false, false);
        }
    }
}
