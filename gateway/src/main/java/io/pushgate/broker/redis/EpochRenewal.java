package io.pushgate.broker.redis;

import io.pushgate.model.TopicVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Repairs a topic whose stored version went back within its epoch (an acknowledged publish lost in
 * a failover): {@code FCALL pushgate_reepoch} gives the state the node saw a new epoch and publishes
 * it, if the hash still holds exactly that state (README "What a failover costs"). Several nodes may
 * see the same regression: the first call renews, the others find the state moved on and do nothing,
 * so all agree on one new epoch. A report may be a false alarm (a read answered after a newer
 * version's message arrived): the hash then holds something else and nothing happens. Counts the
 * renewals this node made.
 *
 * <p>Thread rules: any thread; answers complete on Lettuce's threads.
 */
final class EpochRenewal {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    static final String FUNCTION = "pushgate_reepoch";

    private final RedisLayout layout;
    private final SessionKeeper sessions;
    private final FunctionCalls calls;
    private final LongAdder renewed = new LongAdder();
    /** Regressions seen while no session was ready (the reads of a new session's resync): made when it is. */
    private final ConcurrentHashMap<String, TopicVersion[]> pending = new ConcurrentHashMap<>();

    EpochRenewal(RedisLayout layout, SessionKeeper sessions, FunctionCalls calls) {
        this.layout = layout;
        this.sessions = sessions;
        this.calls = calls;
    }

    /** {@code stale} came from Redis (a message or a read) with a version below one this node delivered in its epoch. */
    void regressed(TopicVersion stale, TopicVersion delivered) {
        RedisLink link = sessions.active();
        if (link == null) {
            // Seen in a new session's resync, which is not ready until its reads are done.
            pending.put(stale.topic(), new TopicVersion[] {stale, delivered});
            return;
        }
        byte[][] args = {ascii(stale.epoch()), ascii(Long.toString(stale.version())),
                ascii(Long.toString(stale.publishedMicros()))};
        calls.call(link, FUNCTION, layout.key(stale.topic()), args).whenComplete((reply, failure) -> {
            if (failure != null) {
                // Not repaired now; the next read of the hash (a resync) or message reports it again.
                log.warn("topic {}: its stored version went back ({}-{} after {}-{}) and renewing its epoch failed: {}",
                        stale.topic(), stale.version(), stale.epoch(), delivered.version(), delivered.epoch(),
                        FunctionCalls.unwrap(failure).toString());
            } else if (!reply.isEmpty()) {
                renewed.increment();
                log.warn("topic {}: its stored version went back ({}-{} after {}-{} was delivered: a write lost in a "
                                + "failover?); moved it to the new epoch {}", stale.topic(), stale.version(), stale.epoch(),
                        delivered.version(), delivered.epoch(), new String((byte[]) reply.get(0), StandardCharsets.US_ASCII));
            }
        });
    }

    /** A session is ready: makes the renewals of the regressions its resync found. Control thread. */
    void sessionReady() {
        for (String topic : pending.keySet()) {
            TopicVersion[] seen = pending.remove(topic);
            if (seen != null) {
                regressed(seen[0], seen[1]);
            }
        }
    }

    long renewed() {
        return renewed.sum();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
