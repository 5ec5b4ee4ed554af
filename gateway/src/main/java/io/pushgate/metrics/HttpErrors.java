package io.pushgate.metrics;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * Counts error responses of the public port by status (for metrics and tests). The statuses the
 * node answers with are counted from zero, so each one's series exists before its first error; a
 * status outside that list is told to the {@link #onNewStatus} listener when first seen. Any thread.
 */
public final class HttpErrors {
    /** The error statuses of the REST surface and its limits (README, "Limits"). */
    private static final List<Integer> ANSWERED = List.of(400, 401, 403, 404, 405, 408, 412, 413, 429, 431, 503, 504);

    private final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private volatile IntConsumer onNewStatus = status -> { };

    public HttpErrors() {
        for (int status : ANSWERED) {
            byStatus.put(status, new LongAdder());
        }
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
