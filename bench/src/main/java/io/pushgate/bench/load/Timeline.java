package io.pushgate.bench.load;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The measured window of a {@code fanout --stalled} run in half-second ticks: per tick the reading
 * streams' deliveries and latency, the stalled streams still open and, when sampled, the kernel
 * memory of the server's connections ({@link SocketMemory}); and what follows from them: the
 * reading streams' latency while stalled streams were open and after, the memory the stalled ones
 * held and how soon it was freed once the server had closed them.
 *
 * <p>Thread rules: filled by the driving thread; read once the window is over.
 */
final class Timeline {
    /** A memory sample counts as freed below this share of the peak (what is left is in flight). */
    private static final double FREED = 0.01;

    record Tick(long millis, long deliveries, long p50, long p99, long max, int stalledOpen, SocketMemory.Sample memory) {
    }

    private final int stalledRequested;
    private final List<Tick> ticks = new ArrayList<>();
    private final Histogram whileStalled = new Histogram(3);
    private final Histogram afterStalled = new Histogram(3);
    private int previousStalledOpen;
    private long allClosedMillis = -1;

    Timeline(int stalledRequested) {
        this.stalledRequested = stalledRequested;
    }

    /**
     * Adds the tick that ended {@code millis} after the window began: {@code interval} is the
     * reading streams' latency in it; {@code memory} may be null (not sampled).
     */
    void add(long millis, long deliveries, Histogram interval, int stalledOpen, SocketMemory.Sample memory) {
        ticks.add(new Tick(millis, deliveries, p(interval, 50), p(interval, 99), interval.getMaxValue(), stalledOpen, memory));
        // A tick in which a stalled stream was open for a while, at its start or at its end.
        if (stalledOpen > 0 || previousStalledOpen > 0) {
            whileStalled.add(interval);
        } else if (allClosedMillis >= 0) {
            afterStalled.add(interval);
        }
        if (stalledRequested > 0 && stalledOpen == 0 && previousStalledOpen > 0 && allClosedMillis < 0) {
            allClosedMillis = millis;
        }
        previousStalledOpen = stalledOpen;
    }

    private static long p(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(percentile);
    }

    int stalledRequested() {
        return stalledRequested;
    }

    /** Millis into the window of the first tick that found every stalled stream closed; -1 if none did. */
    long allClosedMillis() {
        return allClosedMillis;
    }

    Histogram whileStalled() {
        return whileStalled;
    }

    Histogram afterStalled() {
        return afterStalled;
    }

    List<Tick> ticks() {
        return ticks;
    }

    /** The tick with the most write-queue memory on the stalled connections; null without samples. */
    Tick stalledPeak() {
        Tick peak = null;
        for (Tick t : ticks) {
            if (t.memory() != null && (peak == null || t.memory().stalledWriteMemory() > peak.memory().stalledWriteMemory())) {
                peak = t;
            }
        }
        return peak;
    }

    /** The most write-queue memory on the reading streams' (and the PUTs') connections; -1 without samples. */
    long normalWriteMemoryPeak() {
        return ticks.stream().filter(t -> t.memory() != null).mapToLong(t -> t.memory().normalWriteMemory()).max().orElse(-1);
    }

    /** The host's TCP memory (pages) at the window's first sample, its peak and at its last sample; -1 each without. */
    long[] hostTcpMemPages() {
        List<Tick> sampled = ticks.stream().filter(t -> t.memory() != null).toList();
        if (sampled.isEmpty()) {
            return new long[] {-1, -1, -1};
        }
        return new long[] {sampled.get(0).memory().hostTcpMemPages(),
            sampled.stream().mapToLong(t -> t.memory().hostTcpMemPages()).max().orElse(-1),
            sampled.get(sampled.size() - 1).memory().hostTcpMemPages()};
    }

    /**
     * Millis from {@link #allClosedMillis} to the first sample at or after it in which the stalled
     * connections held under 1 % of their peak write-queue memory; -1 if never in the window.
     */
    long freedAfterMillis() {
        Tick peak = stalledPeak();
        if (peak == null || allClosedMillis < 0) {
            return -1;
        }
        long bound = (long) (FREED * peak.memory().stalledWriteMemory());
        for (Tick t : ticks) {
            if (t.millis() >= allClosedMillis && t.memory() != null && t.memory().stalledWriteMemory() <= bound) {
                return t.millis() - allClosedMillis;
            }
        }
        return -1;
    }

    /** The ticks as a JSON array, one object a line, indented for a top-level field. */
    String ticksJson() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < ticks.size(); i++) {
            Tick t = ticks.get(i);
            s.append(i == 0 ? "\n" : ",\n").append(String.format(Locale.ROOT,
                    "    {\"ms\": %d, \"deliveries\": %d, \"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"stalled_open\": %d",
                    t.millis(), t.deliveries(), t.p50(), t.p99(), t.max(), t.stalledOpen()));
            SocketMemory.Sample m = t.memory();
            if (m != null) {
                s.append(String.format(Locale.ROOT,
                        ", \"stalled_sockets\": %d, \"stalled_send_q\": %d, \"stalled_wmem\": %d, \"stalled_client_recv_q\": %d,"
                                + " \"normal_sockets\": %d, \"normal_send_q\": %d, \"normal_wmem\": %d, \"host_tcp_mem_pages\": %d",
                        m.stalledSockets(), m.stalledSendQueue(), m.stalledWriteMemory(), m.stalledClientReceiveQueue(),
                        m.normalSockets(), m.normalSendQueue(), m.normalWriteMemory(), m.hostTcpMemPages()));
            }
            s.append('}');
        }
        return s.append("\n  ]").toString();
    }
}
