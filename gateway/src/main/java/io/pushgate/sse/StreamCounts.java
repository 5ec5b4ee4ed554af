package io.pushgate.sse;

import io.pushgate.metrics.CloseReason;

import java.util.concurrent.atomic.LongAdder;

/** The node's stream counters: opened, closed by reason, slow-consumer disconnects. Any thread. */
final class StreamCounts {
    private final LongAdder opened = new LongAdder();
    private final LongAdder[] closed = new LongAdder[CloseReason.values().length];
    private final LongAdder slowDisconnects = new LongAdder();

    StreamCounts() {
        for (int i = 0; i < closed.length; i++) {
            closed[i] = new LongAdder();
        }
    }

    void opened() {
        opened.increment();
    }

    void closed(CloseReason reason) {
        closed[reason.ordinal()].increment();
    }

    void slowDisconnect() {
        slowDisconnects.increment();
    }

    long openedCount() {
        return opened.sum();
    }

    long closedCount(CloseReason reason) {
        return closed[reason.ordinal()].sum();
    }

    long slowDisconnectCount() {
        return slowDisconnects.sum();
    }
}
