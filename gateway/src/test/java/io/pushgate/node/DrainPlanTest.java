package io.pushgate.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drain plan: how many batches, how far apart, and when the node stops, from the stream count and settings. */
class DrainPlanTest {

    private static DrainPlan plan(int streams, long timeoutMillis, long graceMillis) {
        return DrainPlan.of(streams, Duration.ofMillis(timeoutMillis), Duration.ofMillis(graceMillis));
    }

    @Test
    void batchesSpreadOverTheWindowLeftAfterGraceAndReserve() {
        // 30 s: 1 s grace, 2 s kept for the final close, 27 s of batches, one per 100 ms at most.
        DrainPlan plan = plan(100_000, 30_000, 1_000);
        assertEquals(27_000, plan.windowMillis());
        assertEquals(270, plan.batches());
        assertEquals(100, plan.intervalMillis());
        assertEquals(200, plan.finalWaitMillis());
        assertEquals(269 * 100 + 200, plan.end());
    }

    @Test
    void fewStreamsGetOneBatchEach() {
        // 3 s: 200 ms grace, 750 ms reserve (a quarter), 2,050 ms for 20 streams.
        DrainPlan plan = plan(20, 3_000, 200);
        assertEquals(2_050, plan.windowMillis());
        assertEquals(20, plan.batches());
        assertEquals(102, plan.intervalMillis());
        assertEquals(19 * 102, plan.startOf(19));
    }

    @Test
    void noStreamsOrNoWindowIsOneBatchAtOnce() {
        for (DrainPlan plan : new DrainPlan[] {plan(0, 30_000, 1_000), plan(5_000, 1_000, 1_000), plan(5_000, 0, 0)}) {
            assertEquals(1, plan.batches(), plan.toString());
            assertEquals(0, plan.intervalMillis(), plan.toString());
            assertEquals(0, plan.startOf(0));
            assertEquals(DrainPlan.MIN_INTERVAL_MILLIS, plan.end(), plan.toString());
        }
    }

    @Test
    void theLastBatchAndFinalWaitEndWithinTheTimeout() {
        for (int streams : new int[] {1, 7, 99, 1_000, 250_000}) {
            for (long timeout : new long[] {500, 3_000, 10_000, 30_000, 120_000}) {
                for (long grace : new long[] {0, 100, 1_000}) {
                    if (grace > timeout) {
                        continue;
                    }
                    DrainPlan plan = plan(streams, timeout, grace);
                    assertTrue(plan.batches() >= 1 && plan.batches() <= Math.max(1, streams), plan.toString());
                    assertTrue(grace + plan.end() <= Math.max(timeout, grace + DrainPlan.MIN_INTERVAL_MILLIS),
                            streams + " streams, " + timeout + " ms, grace " + grace + ": " + plan);
                }
            }
        }
    }
}
