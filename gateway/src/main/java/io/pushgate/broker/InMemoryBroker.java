package io.pushgate.broker;

import io.pushgate.model.Epochs;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicVersion;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded broker of a single node: topic states live in this process only, so a restart
 * begins every topic in a new epoch.
 *
 * <p>Thread rules: any thread. Versions of one topic are handed to the listener inside the map's
 * per-key update, so the listener sees each topic's versions in order; the listener must be quick
 * and non-blocking (the hub only encodes once and hands off to event loops). A conditional publish
 * is checked inside the same update, so it is atomic with the store.
 */
public final class InMemoryBroker implements Broker {
    private final ConcurrentHashMap<String, TopicVersion> states = new ConcurrentHashMap<>();
    private volatile Listener listener;

    @Override
    public void start(Listener listener) {
        this.listener = listener;
    }

    @Override
    public CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        long micros = nowMicros();
        PreconditionFailed[] failed = new PreconditionFailed[1];
        TopicVersion published = states.compute(topic, (name, current) -> {
            if (ifMatch != null && !ifMatch.matches(current)) {
                // Checked inside the key's update: no publish can come between the check and the store.
                failed[0] = PreconditionFailed.against(current);
                return current;
            }
            TopicVersion next = current == null
                    ? new TopicVersion(name, Epochs.next(), 1, micros, text)
                    : new TopicVersion(name, current.epoch(), current.version() + 1, micros, text);
            Listener l = listener;
            if (l != null) {
                l.onVersion(next);
            }
            return next;
        });
        if (failed[0] != null) {
            return CompletableFuture.failedFuture(failed[0]);
        }
        return CompletableFuture.completedFuture(published);
    }

    @Override
    public CompletionStage<Long> revoke(Revocation revocation) {
        listener.onRevoked(revocation);
        return CompletableFuture.completedFuture(1L);
    }

    @Override
    public CompletionStage<TopicVersion> latest(String topic) {
        return CompletableFuture.completedFuture(states.get(topic));
    }

    @Override
    public void subscribe(String topic) {
        // Every later version reaches the listener anyway (it ignores topics it does not serve).
        TopicVersion current = states.get(topic);
        if (current != null) {
            listener.onState(current);
        }
    }

    @Override
    public void unsubscribe(String topic) {
    }

    @Override
    public boolean connected() {
        return true;
    }

    @Override
    public long reconnects() {
        return 0;
    }

    @Override
    public long resyncs() {
        return 0;
    }

    @Override
    public long malformed() {
        return 0;
    }

    @Override
    public String describe() {
        return "embedded";
    }

    @Override
    public void close() {
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
