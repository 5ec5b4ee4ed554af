package io.pushgate.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.pushgate.model.TopicVersion;
import io.pushgate.metrics.FanOutRecorder;
import io.pushgate.loops.LoopIndex;
import io.pushgate.hub.Subscriber;
import io.pushgate.hub.TopicHub;
import io.pushgate.metrics.NodeMetrics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The fan-out of one update to 1,000 or 10,000 subscribers spread over two event loops, with the
 * node's metrics on (Micrometer, Prometheus registry: what a node records) or off
 * ({@link FanOutRecorder#NONE}). One update is {@link TopicHub#onVersion} of a new version until every
 * subscriber has been written to: the encode-once, one task per loop, the shared frame handed to
 * each subscriber, and the metrics calls (one publish, one record per loop task). The subscribers
 * keep nothing, as a stream whose socket takes the whole frame at once does (since the direct send,
 * no duplicate then), so no socket or pipeline is measured, only the hub.
 *
 * <p>As on a node: frames come from {@link PooledByteBufAllocator} (what the node gives
 * the hub), and the benchmark threads are Netty {@code FastThreadLocalThread}s
 * ({@link EventLoopThreads}), the only threads on which Netty recycles the pooled duplicates. The loops
 * are {@link InlineLoops}: their tasks run on the benchmark thread, so thread wake-ups (the same with
 * and without metrics) do not blur the comparison.
 *
 * <p>Figures: {@code update} in ns per update; {@code delivery} in ns and (with {@code -prof gc})
 * heap bytes per subscriber write, over {@value #DELIVERIES} writes per call (10 updates to 1,000
 * subscribers or one to 10,000); {@code metricsCalls}, the metrics calls of one update alone (the
 * part of {@code update} that metrics add, small enough to measure steadily on a noisy machine).
 * Recorded in {@code bench/RESULTS.md}, "Fan-out allocation per delivery (JMH)" and "Metrics
 * overhead (JMH)".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xmx1g",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.pushgate.bench.EventLoopThreads"})
public class FanOutBenchmark {
    /** Subscriber writes per {@link #delivery} call, whatever the number of subscribers. */
    static final int DELIVERIES = 10_000;
    private static final String TOPIC = "bench";
    private static final String EPOCH = "benchep0";
    private static final byte[] TEXT = "{\"price\":101.25,\"note\":\"a short text of a typical size\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Param({"1000", "10000"})
    public int subscribers;

    @Param({"off", "on"})
    public String metrics;

    private InlineLoops group;
    private LoopIndex loops;
    private NodeMetrics nodeMetrics;
    private FanOutRecorder hubMetrics;
    private TopicVersion sample;
    private TopicHub hub;
    private long version;

    /**
     * A subscriber that is always writable and whose socket takes every frame whole: it keeps
     * nothing of it. It notes the last frame in a field, so that the JIT cannot drop the call.
     */
    static final class ReleasingSubscriber implements Subscriber {
        ByteBuf last;

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void writeShared(ByteBuf frame) {
            last = frame;
        }
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        group = new InlineLoops(2);
        loops = new LoopIndex(group);
        hubMetrics = FanOutRecorder.NONE;
        if (metrics.equals("on")) {
            nodeMetrics = new NodeMetrics("bench");
            hubMetrics = nodeMetrics.fanOut();
        }
        if (DELIVERIES % subscribers != 0 || subscribers % loops.size() != 0) {
            throw new IllegalArgumentException("subscribers must divide " + DELIVERIES + " and spread evenly over the loops");
        }
        hub = new TopicHub(loops, PooledByteBufAllocator.DEFAULT, hubMetrics, TopicHub.Demand.NONE);
        int perLoop = subscribers / loops.size();
        for (EventLoop loop : loops.loops()) {
            for (int i = 0; i < perLoop; i++) {
                hub.subscribe(loop, TOPIC, new ReleasingSubscriber(), false, null, 0);
            }
        }
        sample = new TopicVersion(TOPIC, EPOCH, 1, nowMicros(), TEXT);
        // The same heap layout on both sides: the subscribers compacted by a full collection,
        // not left wherever the registry's start-up allocations happened to push them.
        System.gc();
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (nodeMetrics != null) {
            nodeMetrics.close();
        }
    }

    @Benchmark
    public void update() {
        fanOutOnce();
    }

    @Benchmark
    @OperationsPerInvocation(DELIVERIES)
    public void delivery() {
        for (int i = DELIVERIES / subscribers; i > 0; i--) {
            fanOutOnce();
        }
    }

    /** What the hub calls on metrics for one update on two loops: one publish, one record per loop. */
    @Benchmark
    public void metricsCalls() {
        long start = hubMetrics.fanOutStart();
        hubMetrics.published();
        for (int i = 0; i < loops.size(); i++) {
            hubMetrics.delivered(subscribers / loops.size(), sample.publishedMicros(), start);
        }
    }

    /** One new version through the hub; the inline loops have delivered it when this returns. */
    private void fanOutOnce() {
        hub.onVersion(new TopicVersion(TOPIC, EPOCH, ++version, nowMicros(), TEXT));
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
