package io.jdtm.server.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A group-commit write as a chain of steps, each deciding the next from what the database answered. Run one after
 * another ({@link #run}) a chain is just a write; the point is that {@link GroupCommit} can also run the chains of a
 * whole batch side by side, in rounds: the {@link Update}s of one round that share their SQL go to the database as one
 * JDBC batch, which PostgreSQL's driver sends without waiting for each answer, and the {@link Lookup}s of one round
 * as one query. A batch of writes then costs a few round trips instead of one or two per write.
 *
 * <p>Rules for a step's continuation, as for any group-commit write without savepoints: it may throw an expected
 * outcome (unchecked) only while its write has changed nothing yet; the outcome reaches the caller after the batch
 * commits. A {@link SQLException} anywhere breaks the batch (every write then runs again alone).
 */
sealed interface Step<T> {

    /** The write is over; {@code value} is its result. */
    record Done<T>(T value) implements Step<T> {}

    /** {@code sql} run once per binder, in order; {@code then} gets one update count per binder. */
    record Update<T>(String sql, List<Dialect.Binder> binds, Then<int[], T> then) implements Step<T> {}

    /**
     * Reads one row by key with {@code fetcher}; {@code then} gets the row or null. The lookups of one round that
     * share their fetcher are one {@link Fetcher#fetch} call.
     */
    record Lookup<R, T>(String key, Fetcher<R> fetcher, Then<R, T> then) implements Step<T> {}

    /** Any work on the connection (a read whose rows matter, several statements); it says what comes next. */
    record Code<T>(GroupCommit.Work<Step<T>> work) implements Step<T> {}

    /**
     * One write in two forms: {@code sideBySide} where a pipelined batch runs it in rounds, {@code alone} where it
     * runs one statement after another (e.g. an {@code UPDATE … RETURNING} where rounds need an update and a lookup).
     */
    record Either<T>(Step<T> sideBySide, Step<T> alone) implements Step<T> {}

    /** What a step does with its answer: the next step (a {@link Done} to finish). */
    @FunctionalInterface
    interface Then<A, T> {
        Step<T> apply(A answer) throws SQLException;
    }

    /** Reads rows by key, many keys in one go; keys without a row are left out of the map. */
    @FunctionalInterface
    interface Fetcher<R> {
        Map<String, R> fetch(Connection c, Collection<String> keys) throws SQLException;
    }

    static <T> Step<T> done(T value) {
        return new Done<>(value);
    }

    static <T> Step<T> update(String sql, List<Dialect.Binder> binds, Then<int[], T> then) {
        return new Update<>(sql, binds, then);
    }

    static <T> Step<T> code(GroupCommit.Work<Step<T>> work) {
        return new Code<>(work);
    }

    /** This chain, then {@code next} with its result. */
    default <U> Step<U> then(Then<T, U> next) {
        return switch (this) {
            case Done<T> d -> new Code<>(c -> next.apply(d.value()));
            case Update<T> u -> new Update<>(u.sql(), u.binds(), n -> u.then().apply(n).then(next));
            case Lookup<?, T> l -> lookupThen(l, next);
            case Code<T> k -> new Code<>(c -> k.work().run(c).then(next));
            case Either<T> e -> new Either<>(e.sideBySide().then(next), e.alone().then(next));
        };
    }

    private static <R, T, U> Step<U> lookupThen(Lookup<R, T> l, Then<T, U> next) {
        return new Lookup<>(l.key(), l.fetcher(), r -> l.then().apply(r).then(next));
    }

    /** Runs the chain on {@code c}, one statement after another. */
    static <T> T run(Step<T> first, Connection c) throws SQLException {
        Step<T> s = first;
        while (true) {
            switch (s) {
                case Done<T> d -> {
                    return d.value();
                }
                case Update<T> u -> {
                    int[] counts = new int[u.binds().size()];
                    try (PreparedStatement ps = c.prepareStatement(u.sql())) {
                        for (int i = 0; i < counts.length; i++) {
                            u.binds().get(i).bind(ps);
                            counts[i] = ps.executeUpdate();
                        }
                    }
                    s = u.then().apply(counts);
                }
                case Lookup<?, T> l -> s = lookupAlone(l, c);
                case Code<T> k -> s = k.work().run(c);
                case Either<T> e -> s = e.alone();
            }
        }
    }

    private static <R, T> Step<T> lookupAlone(Lookup<R, T> l, Connection c) throws SQLException {
        return l.then().apply(l.fetcher().fetch(c, List.of(l.key())).get(l.key()));
    }
}
