package io.pushgate.http;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AcceptRateTest {
    private final AtomicLong now = new AtomicLong(-123_456_789L);

    private static int admitted(AcceptRate rate, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (rate.tryAcquire()) {
                n++;
            }
        }
        return n;
    }

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void twoSecondsWorthPassAtOnceThenTheRest() {
        AcceptRate rate = new AcceptRate(5000, now::get);
        assertEquals(10_000, admitted(rate, 12_000));
        assertFalse(rate.tryAcquire());
    }

    @Test
    void theAllowanceComesBackAtTheRate() {
        AcceptRate rate = new AcceptRate(100, now::get);
        assertEquals(200, admitted(rate, 300));
        advance(100);
        assertEquals(10, admitted(rate, 50));
        advance(5_000);
        assertEquals(200, admitted(rate, 300));
    }

    @Test
    void aSteadyRateAtTheLimitIsNeverRefused() {
        AcceptRate rate = new AcceptRate(1000, now::get);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(rate.tryAcquire(), "connection " + i);
            advance(1);
        }
    }

    @Test
    void zeroIsNoLimit() {
        assertEquals(100_000, admitted(new AcceptRate(0, now::get), 100_000));
    }
}
