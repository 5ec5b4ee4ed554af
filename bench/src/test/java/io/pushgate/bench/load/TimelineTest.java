package io.pushgate.bench.load;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimelineTest {
    private static Histogram latency(long micros) {
        Histogram h = new Histogram(3);
        h.recordValue(micros);
        return h;
    }

    private static SocketMemory.Sample stalledHolding(long writeMemory) {
        return new SocketMemory.Sample(writeMemory == 0 ? 0 : 10, writeMemory, writeMemory, 10 * 131072, 0, 5, 0, 0, 100);
    }

    @Test
    void latencyCountsAsWhileStalledUntilTheTickThatFindsThemAllClosed() {
        Timeline t = new Timeline(10);
        t.add(500, 1, latency(1_000), 10, stalledHolding(1_000_000));
        t.add(1000, 1, latency(2_000), 4, stalledHolding(400_000));
        // Closed within this tick: part of it was still spent beside stalled streams.
        t.add(1500, 1, latency(3_000), 0, stalledHolding(0));
        t.add(2000, 1, latency(50), 0, stalledHolding(0));
        assertEquals(1500, t.allClosedMillis());
        assertEquals(3, t.whileStalled().getTotalCount());
        assertEquals(1, t.afterStalled().getTotalCount());
        assertEquals(50, t.afterStalled().getMaxValue());
        assertEquals(500, t.stalledPeak().millis());
        assertEquals(0, t.freedAfterMillis());
    }

    @Test
    void memoryLeftAfterTheCloseIsFreedWhenItFallsUnderOnePercentOfThePeak() {
        Timeline t = new Timeline(10);
        t.add(500, 1, latency(1_000), 10, stalledHolding(1_000_000));
        t.add(1000, 1, latency(1_000), 0, stalledHolding(900_000));
        t.add(1500, 1, latency(1_000), 0, stalledHolding(20_000));
        t.add(2000, 1, latency(1_000), 0, stalledHolding(5_000));
        assertEquals(1000, t.allClosedMillis());
        assertEquals(1000, t.freedAfterMillis());
    }

    @Test
    void withoutStalledStreamsNothingIsClosed() {
        Timeline t = new Timeline(0);
        t.add(500, 1, latency(1_000), 0, null);
        assertEquals(-1, t.allClosedMillis());
        assertEquals(0, t.whileStalled().getTotalCount());
        assertEquals(null, t.stalledPeak());
        assertEquals(-1, t.freedAfterMillis());
    }
}
