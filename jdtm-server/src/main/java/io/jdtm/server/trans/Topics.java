package io.jdtm.server.trans;

import com.fasterxml.jackson.core.type.TypeReference;
import io.jdtm.protocol.DtmJson;
import io.jdtm.protocol.Ops;
import io.jdtm.server.store.KvRow;
import io.jdtm.server.store.NotFoundException;
import io.jdtm.server.store.TransStore;
import io.jdtm.server.store.UniqueConflictException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The msg topics (spec §3.13–3.15): KV rows of category {@code topics} whose value is the JSON list of
 * subscribers. A {@code topic://name} step of a msg fans out to the subscribers when the msg is stored.
 * Thread-safe: concurrent changes of one topic are resolved by the KV row's version (compare-and-set).
 */
public final class Topics {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Topics.class);
    private final TransStore store;
    private final Clock clock;
    private final Consumer<String> urlCheck;

    /** @param urlCheck refuses (with a {@link DtmException}) a subscriber URL that cannot or may not be called */
    Topics(TransStore store, Clock clock, Consumer<String> urlCheck) {
        this.store = store;
        this.clock = clock;
        this.urlCheck = urlCheck;
    }

    /** A subscriber of a topic, as stored in the topic's KV value. */
    public record Subscriber(String url, String remark) {}

    private static final TypeReference<List<Subscriber>> SUBSCRIBERS = new TypeReference<>() {};

    /** The subscriber URLs of a topic; an unknown or empty topic is an error (DTM: "topic not found"). */
    List<String> subscribers(String topic) {
        List<KvRow> rows = store.findKv(Ops.TOPICS_CAT, topic);
        List<String> urls = new ArrayList<>();
        if (!rows.isEmpty()) {
            for (Subscriber s : parseSubscribers(rows.getFirst().v())) {
                urls.add(s.url());
            }
        }
        if (urls.isEmpty()) {
            throw DtmException.notFound("topic not found: " + topic);
        }
        return urls;
    }

    private static List<Subscriber> parseSubscribers(String v) {
        try {
            List<Subscriber> l = DtmJson.mapper().readValue(v, SUBSCRIBERS);
            return l == null ? new ArrayList<>() : new ArrayList<>(l);
        } catch (IOException e) {
            log.warn("stored topic value is not a subscriber list: {}", e.getMessage());
            throw DtmException.error("stored topic value is not a subscriber list");
        }
    }

    /** {@code GET /subscribe}. */
    public void subscribe(String topic, String url, String remark) {
        if (topic == null || topic.isEmpty() || url == null || url.isEmpty()) {
            throw DtmException.badRequest("subscribe needs a non-empty topic and url");
        }
        urlCheck.accept(url);
        List<KvRow> rows = store.findKv(Ops.TOPICS_CAT, topic);
        Subscriber sub = new Subscriber(url, remark == null ? "" : remark);
        if (rows.isEmpty()) {
            try {
                store.createKv(Ops.TOPICS_CAT, topic, DtmJson.write(List.of(sub)), clock.instant());
                return;
            } catch (UniqueConflictException e) {
                throw DtmException.ongoing("topic " + topic + " was created concurrently; try again");
            }
        }
        KvRow row = rows.getFirst();
        List<Subscriber> subs = parseSubscribers(row.v());
        if (subs.stream().anyMatch(s -> s.url().equals(url))) {
            throw DtmException.failure("this url exists");
        }
        subs.add(sub);
        updateTopic(row, subs);
    }

    /** {@code GET /unsubscribe}. */
    public void unsubscribe(String topic, String url) {
        if (topic == null || topic.isEmpty() || url == null || url.isEmpty()) {
            throw DtmException.badRequest("unsubscribe needs a non-empty topic and url");
        }
        List<KvRow> rows = store.findKv(Ops.TOPICS_CAT, topic);
        if (rows.isEmpty()) {
            throw DtmException.notFound("no such a topic");
        }
        KvRow row = rows.getFirst();
        List<Subscriber> subs = parseSubscribers(row.v());
        if (subs.isEmpty()) {
            throw DtmException.notFound("this topic is empty");
        }
        if (!subs.removeIf(s -> s.url().equals(url))) {
            throw DtmException.notFound("no such an url ");
        }
        updateTopic(row, subs);
    }

    private void updateTopic(KvRow row, List<Subscriber> subs) {
        try {
            store.updateKv(row, DtmJson.write(subs), clock.instant());
        } catch (NotFoundException e) {
            throw DtmException.ongoing("topic " + row.k() + " was changed concurrently (version " + row.version()
                    + "); try again");
        }
    }

    /** {@code DELETE /topic/{name}}. */
    public void deleteTopic(String topic) {
        try {
            store.deleteKv(Ops.TOPICS_CAT, topic);
        } catch (NotFoundException e) {
            throw DtmException.notFound("storage: NotFound (no topic '" + topic + "')");
        }
    }
}
