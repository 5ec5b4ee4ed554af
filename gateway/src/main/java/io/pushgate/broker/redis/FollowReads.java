package io.pushgate.broker.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.pushgate.model.Epochs;
import io.pushgate.model.TopicVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reads a followed topic's state: text, counter and agreed epoch in one atomic
 * {@code FCALL pushgate_follow_read} (publish.lua), so a text is never paired with another
 * counter value. Counts the reads that failed (an error reply, a timeout, a counter that is no
 * integer).
 *
 * <p>Thread rules: any thread; answers complete on Lettuce's threads.
 */
final class FollowReads {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    static final String FUNCTION = "pushgate_follow_read";

    private final SessionKeeper sessions;
    private final Duration timeout;
    private final byte[] grace;
    private final LongAdder failures = new LongAdder();

    /**
     * What one read found: the topic's {@code state} ({@code null}: it has none), or that it is
     * {@code unchanged}, still the epoch and version the caller knows (then without its text).
     */
    record Result(TopicVersion state, boolean unchanged) {
        static final Result UNCHANGED = new Result(null, true);
    }

    /**
     * {@code grace}: how long a text may differ from the one read before at the same counter value
     * (a writer between its SET and its INCR) before the nodes take it as keys begun again, in a new epoch.
     */
    FollowReads(SessionKeeper sessions, Duration timeout, Duration grace) {
        this.sessions = sessions;
        this.timeout = timeout;
        this.grace = Long.toString(grace.toMillis()).getBytes(StandardCharsets.US_ASCII);
    }

    /** The state of {@code keys}' topic, {@code null} inside the stage while it has none. */
    CompletableFuture<TopicVersion> latest(RedisLink link, FollowedKeys keys) {
        return read(link, keys, null, 0).thenApply(Result::state);
    }

    /**
     * Reads the state of {@code keys}' topic; when the caller holds {@code knownEpoch} (null: nothing)
     * and {@code knownVersion} and they are still the state, Redis answers without the text.
     */
    CompletableFuture<Result> read(RedisLink link, FollowedKeys keys, String knownEpoch, long knownVersion) {
        byte[][] args = knownEpoch == null ? new byte[][] {grace}
                : new byte[][] {grace, knownEpoch.getBytes(StandardCharsets.US_ASCII),
                        Long.toString(knownVersion).getBytes(StandardCharsets.US_ASCII)};
        return call(link, keys, args, true).handle((reply, failure) -> {
            if (failure == null) {
                try {
                    return decode(keys, reply);
                } catch (RuntimeException malformed) {
                    failure = malformed;
                }
            }
            failed(keys, failure);
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
    }

    /** Reads that failed. */
    long failures() {
        return failures.sum();
    }

    /** Counts a failed read of {@code keys}; the node's first failure is logged at WARN, later ones at DEBUG. */
    void failed(FollowedKeys keys, Throwable failure) {
        failed("follow " + keys.topic() + ": reading " + keys.textKeyName() + " and " + keys.seqKeyName(), failure);
    }

    /** Counts a failed read of the followed counters (the poll). */
    void pollFailed(Throwable failure) {
        failed("follow: reading the followed counters", failure);
    }

    private void failed(String what, Throwable failure) {
        failures.increment();
        if (failures.sum() == 1) {
            log.warn("{} failed ({}); further failures are counted in pushgate_follow_read_failures_total and logged "
                    + "at DEBUG", what, SessionKeeper.rootMessage(failure));
        } else {
            log.debug("{} failed ({})", what, SessionKeeper.rootMessage(failure));
        }
    }

    private CompletableFuture<List<Object>> call(RedisLink link, FollowedKeys keys, byte[][] args, boolean mayReload) {
        CompletableFuture<List<Object>> call = link.commands().<List<Object>>fcall(FUNCTION, ScriptOutputType.MULTI,
                        new byte[][] {keys.textKey(), keys.seqKey(), keys.stateKey()}, args).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!mayReload) {
            return call;
        }
        return call.exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            // An older node's library (without this function) replaced ours: load ours again, read again.
            if (cause instanceof RedisCommandExecutionException && String.valueOf(cause.getMessage()).contains("not found")) {
                return sessions.reloadFunctions(link).thenCompose(loaded -> call(link, keys, args, false));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private static Result decode(FollowedKeys keys, List<Object> reply) {
        if (reply.isEmpty()) {
            return new Result(null, false);
        }
        if (reply.size() == 3) {
            return Result.UNCHANGED;
        }
        String epoch = ascii(reply.get(0));
        long version = Long.parseLong(ascii(reply.get(1)));
        long micros = Long.parseLong(ascii(reply.get(2)));
        if (!Epochs.isEpoch(epoch)) {
            throw new IllegalStateException("follow " + keys.topic() + ": the state hash holds no epoch");
        }
        return new Result(new TopicVersion(keys.topic(), epoch, version, micros, (byte[]) reply.get(3)), false);
    }

    private static String ascii(Object value) {
        return new String((byte[]) value, StandardCharsets.US_ASCII);
    }
}
