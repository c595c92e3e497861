package io.jdtm.protocol;

/** DTM's branch operation names and special ids. Ops stay strings: workflow progress rows carry client-chosen ops. */
public final class Ops {
    public static final String ACTION = "action";
    public static final String COMPENSATE = "compensate";
    public static final String TRY = "try";
    public static final String CONFIRM = "confirm";
    public static final String CANCEL = "cancel";
    public static final String COMMIT = "commit";
    public static final String ROLLBACK = "rollback";
    public static final String BUSINESS = "business";
    public static final String MSG = "msg";

    /** branch_id of the msg QueryPrepared call and of the workflow resume callback. */
    public static final String QUERY_PREPARED_BRANCH_ID = "00";
    /** barrier_id used by msg DoAndSubmit and the XA barrier. */
    public static final String FIRST_BARRIER_ID = "01";
    /** Msg step actions with this prefix fan out to the topic's subscribers. */
    public static final String TOPIC_PREFIX = "topic://";
    /** KV category holding topic subscriptions. */
    public static final String TOPICS_CAT = "topics";

    public static final String PROTOCOL_HTTP = "http";
    public static final String PROTOCOL_GRPC = "grpc";
    public static final String PROTOCOL_JSONRPC = "json-rpc";

    private Ops() {}
}
