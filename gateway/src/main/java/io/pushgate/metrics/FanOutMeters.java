package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fan-out's meters: publishes and deliveries ({@link LongAdder}s read by function counters),
 * and the delivery-latency and fan-out histograms. The hub calls it once per update and once per
 * update per event loop, never per subscriber.
 *
 * <p>Thread rules: any thread; nothing blocks.
 */
final class FanOutMeters implements FanOutRecorder {
    /**
     * Histogram buckets, 50 µs to 10 s: a fan-out on one node takes well under a millisecond to a few
     * milliseconds; a delivery through Redis adds a network hop; seconds mean trouble.
     */
    static final Duration[] BUCKETS = {
            Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10)};

    private final LongAdder publishes = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final Timer latency;
    private final Timer fanOut;

    FanOutMeters(MeterRegistry registry) {
        FunctionCounter.builder(NodeMetrics.PUBLISHES, publishes, LongAdder::sum)
                .description("New versions of served topics accepted for fan-out (from any publisher, via the broker)")
                .register(registry);
        FunctionCounter.builder(NodeMetrics.DELIVERIES, deliveries, LongAdder::sum)
                .description("Event frames written to streams: the fan-out, and the latest version sent on subscribe or to a slow stream writable again")
                .register(registry);
        latency = histogram(NodeMetrics.DELIVERY_LATENCY,
                "Publish time to the write of the last subscriber's frame on this node, per update and event loop")
                .register(registry);
        fanOut = histogram(NodeMetrics.FAN_OUT,
                "One update to all local subscribers of one event loop: arrival at the hub to the end of the loop's task")
                .register(registry);
    }

    private static Timer.Builder histogram(String name, String description) {
        return Timer.builder(name)
                .description(description)
                .serviceLevelObjectives(BUCKETS)
                .minimumExpectedValue(BUCKETS[0])
                .maximumExpectedValue(BUCKETS[BUCKETS.length - 1]);
    }

    @Override
    public long fanOutStart() {
        return System.nanoTime();
    }

    @Override
    public void published() {
        publishes.increment();
    }

    @Override
    public void delivered(int frames, long publishedMicros, long fanOutStart) {
        deliveries.add(frames);
        // Publish times come from the publisher's clock (Redis' with many nodes): skew may make it negative.
        latency.record(Math.max(0, nowMicros() - publishedMicros), TimeUnit.MICROSECONDS);
        fanOut.record(System.nanoTime() - fanOutStart, TimeUnit.NANOSECONDS);
    }

    @Override
    public void caughtUp(int frames) {
        deliveries.add(frames);
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
