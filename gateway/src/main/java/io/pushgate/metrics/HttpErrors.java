package io.pushgate.metrics;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * Counts the refusals of the public port (for metrics and tests): error responses by status, and
 * streams refused for now by reason (answered 200 with a {@code retry:}, not an error status). The
 * statuses the node answers with are counted from zero, so each one's series exists before its
 * first error; a status outside that list is told to the {@link #onNewStatus} listener when first
 * seen. Any thread.
 */
public final class HttpErrors {
    /** The error statuses of the REST surface and its limits (README, "Limits"). */
    private static final List<Integer> ANSWERED = List.of(400, 401, 403, 404, 405, 408, 409, 412, 413, 429, 431, 503, 504);

    private final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private volatile IntConsumer onNewStatus = status -> { };
    private final Map<StreamRefusal, LongAdder> refusals = new EnumMap<>(StreamRefusal.class);

    public HttpErrors() {
        for (int status : ANSWERED) {
            byStatus.put(status, new LongAdder());
        }
        for (StreamRefusal reason : StreamRefusal.values()) {
            refusals.put(reason, new LongAdder());
        }
    }

    public void refused(StreamRefusal reason) {
        refusals.get(reason).increment();
    }

    /** Streams refused for {@code reason} so far. */
    public long refusals(StreamRefusal reason) {
        return refusals.get(reason).sum();
    }

    public void count(HttpResponseStatus status) {
        LongAdder adder = byStatus.get(status.code());
        if (adder == null) {
            adder = added(status.code());
        }
        adder.increment();
    }

    private LongAdder added(int status) {
        boolean[] created = new boolean[1];
        LongAdder adder = byStatus.computeIfAbsent(status, code -> {
            created[0] = true;
            return new LongAdder();
        });
        if (created[0]) {
            onNewStatus.accept(status);
        }
        return adder;
    }

    public long count(int status) {
        LongAdder adder = byStatus.get(status);
        return adder == null ? 0 : adder.sum();
    }

    /** The statuses counted so far, at least {@link #ANSWERED}. */
    SortedSet<Integer> statuses() {
        return new TreeSet<>(byStatus.keySet());
    }

    /** Sets who hears of a status first counted after now (metrics registers its series). */
    void onNewStatus(IntConsumer listener) {
        this.onNewStatus = listener;
    }
}
