package io.pushgate.loops;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How often a loop ticks for the deadlines it checks. */
class LoopTickerTest {

    @Test
    void ticksFourTimesPerShortestDeadlineBetween50MillisAnd10Seconds() {
        assertEquals(Duration.ofMillis(2500), LoopTicker.periodFor(Duration.ofSeconds(40), Duration.ofSeconds(30),
                Duration.ofSeconds(10)), "the defaults: heartbeat, slow-consumer timeout, header timeout");
        assertEquals(Duration.ofMillis(250), LoopTicker.periodFor(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(10), LoopTicker.periodFor(Duration.ofMinutes(5), Duration.ofMinutes(2)),
                "long deadlines still get a tick every 10 s");
        assertEquals(Duration.ofMillis(50), LoopTicker.periodFor(Duration.ofMillis(20)), "no busier than 20 ticks a second");
    }
}
