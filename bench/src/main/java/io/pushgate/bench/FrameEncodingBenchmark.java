package io.pushgate.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.pushgate.model.TopicVersion;
import io.pushgate.wire.SseFrames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Encoding one version as an SSE event in its HTTP chunk ({@link SseFrames#event}), done once per
 * update whatever the number of subscribers: a 1-line text of 56 bytes, a 40-line text (40 lines
 * of 60 bytes, so 40 {@code data:} lines) and a 64 KiB text of 64-byte lines. As on a node, the
 * buffer comes from {@link PooledByteBufAllocator} on a Netty {@code FastThreadLocalThread}
 * ({@link EventLoopThreads}: a broker delivers on an event loop), and is released at once, as after
 * the last subscriber's write.
 *
 * <p>Figures: ns per encode, and with {@code -prof gc} the bytes allocated on the heap per encode
 * ({@code gc.alloc.rate.norm}); recorded in {@code bench/RESULTS.md}, "Frame encoding (JMH)".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xmx1g",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.pushgate.bench.EventLoopThreads"})
public class FrameEncodingBenchmark {
    @Param({"1-line", "40-lines", "64KiB"})
    public String text;

    private TopicVersion version;

    @Setup
    public void prepare() {
        String body = switch (text) {
            case "1-line" -> "{\"price\":101.25,\"note\":\"a short text of a typical size\"}";
            case "40-lines" -> lines(40, 60);
            case "64KiB" -> lines(1024, 64);
            default -> throw new IllegalArgumentException(text);
        };
        version = new TopicVersion("bench", "benchep0", 123_456, 1_700_000_000_000_000L,
                body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code count} lines of {@code length} bytes each, the newline included. */
    private static String lines(int count, int length) {
        StringBuilder s = new StringBuilder(count * length);
        for (int i = 0; i < count; i++) {
            s.append("x".repeat(length - 1)).append('\n');
        }
        return s.toString();
    }

    @Benchmark
    public int encode() {
        ByteBuf frame = SseFrames.event(PooledByteBufAllocator.DEFAULT, version);
        int size = frame.readableBytes();
        frame.release();
        return size;
    }
}
