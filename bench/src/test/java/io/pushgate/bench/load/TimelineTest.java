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

    /**
     * A timeline of 10 stalled streams whose i-th tick ends at 500 (i + 1) ms with
     * {@code {stalled streams open, their write-queue bytes, one latency in µs}}.
     */
    private static Timeline ticks(long[]... ticks) {
        Timeline t = new Timeline(10);
        for (int i = 0; i < ticks.length; i++) {
            long[] k = ticks[i];
            t.add(500L * (i + 1), 1, latency(k[2]), (int) k[0],
                    new SocketMemory.Sample((int) k[0], k[1], k[1], k[0] * 131072, 0, 5, 0, 0, 100));
        }
        return t;
    }

    @Test
    void latencyCountsAsWhileStalledUntilTheTickThatFindsThemAllClosed() {
        // The third tick finds them closed, but part of it was still spent beside stalled streams.
        Timeline t = ticks(new long[] {10, 1_000_000, 1_000}, new long[] {4, 400_000, 2_000},
                new long[] {0, 0, 3_000}, new long[] {0, 0, 50});
        assertEquals(1500, t.allClosedMillis());
        assertEquals(3, t.whileStalled().getTotalCount());
        assertEquals(1, t.afterStalled().getTotalCount());
        assertEquals(50, t.afterStalled().getMaxValue());
        assertEquals(500, t.stalledPeak().millis());
        assertEquals(0, t.freedAfterMillis());
    }

    @Test
    void memoryLeftAfterTheCloseIsFreedWhenItFallsUnderOnePercentOfThePeak() {
        Timeline t = ticks(new long[] {10, 1_000_000, 1_000}, new long[] {0, 900_000, 1_000},
                new long[] {0, 20_000, 1_000}, new long[] {0, 5_000, 1_000});
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
