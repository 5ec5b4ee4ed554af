package io.pushgate.bench.load;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one {@code fanout} run, as text or JSON. Latencies are in microseconds; the
 * measured window alone counts for deliveries, latency and CPU, while lost, duplicated and
 * out-of-order count over the whole run (warm-up, window and drain).
 *
 * <p>With stalled streams or socket memory sampled ({@link Stalled}), also their figures, the reading
 * streams' latency while stalled streams were open and after, and the window's ticks.
 *
 * <p>The server's CPU also by thread kind ({@code serverCpuByThread}, seconds; empty without a pid),
 * which tells a JVM's event loops from its JIT compiler and collector threads.
 *
 * <p>With the broker's pid (a redis-server), its CPU in the window too ({@code brokerCpuSeconds}, -1
 * without one), apart from the server's.
 *
 * <p>Immutable once built; any thread.
 */
record FanoutReport(String url, String publishUrl, long serverPid, int streamsRequested, int streamsOpen,
                    int topics, double rate, String clientTransport, long published, long publishFailed,
                    double seconds, long deliveries, double expectedPerSecond, Histogram latency,
                    long lost, long duplicated, long outOfOrder, int streamsWithErrors, int streamsBehind,
                    int closedByServer, long malformed, int notOpened, Map<String, Integer> reasons,
                    double serverCpuSeconds, long serverRss, Map<String, Double> serverCpuByThread,
                    double brokerCpuSeconds, double clientCpuSeconds, Stalled stalled) {

    /**
     * The stalled streams ({@code fanout --stalled}) and the window's ticks; null in a report
     * without them.
     *
     * @param opened stalled streams that opened
     * @param closedByServer those the server closed (or that broke) before the run ended
     * @param openSeconds how long they took to open, just before the window
     */
    record Stalled(Timeline timeline, int opened, int closedByServer, double openSeconds) {
    }

    /** Every stream opened, stayed open and saw every version once, in order. */
    boolean clean() {
        return streamsOpen == streamsRequested && lost == 0 && duplicated == 0 && outOfOrder == 0
                && closedByServer == 0 && malformed == 0 && publishFailed == 0;
    }

    double deliveriesPerSecond() {
        return deliveries / seconds;
    }

    /** Server CPU (user + system) per delivery in the window, in microseconds; NaN without a pid. */
    double serverCpuMicrosPerDelivery() {
        return serverCpuSeconds < 0 || deliveries == 0 ? Double.NaN : serverCpuSeconds * 1e6 / deliveries;
    }

    /** Broker CPU (user + system) per delivery in the window, in microseconds; NaN without a broker pid. */
    double brokerCpuMicrosPerDelivery() {
        return brokerCpuSeconds < 0 || deliveries == 0 ? Double.NaN : brokerCpuSeconds * 1e6 / deliveries;
    }

    /** The server's CPU seconds by thread kind, as JSON members or as text. */
    private String byThread(boolean json) {
        StringBuilder s = new StringBuilder();
        serverCpuByThread.forEach((kind, seconds) -> s.append(s.length() == 0 ? "" : ", ")
                .append(json ? JsonText.quote(kind) + ": " + JsonText.number(seconds, 2)
                        : String.format(Locale.ROOT, "%s %.2f s", kind, seconds)));
        return s.toString();
    }

    long p(double percentile) {
        return p(latency, percentile);
    }

    private static long p(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? -1 : h.getValueAtPercentile(percentile);
    }

    private static double perSocket(long bytes, SocketMemory.Sample m) {
        return m.stalledSockets() == 0 ? Double.NaN : (double) bytes / m.stalledSockets();
    }

    String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "fanout %s: %d/%d streams over %d topics, %.0f versions/s (client %s)%n",
                url, streamsOpen, streamsRequested, topics, rate, clientTransport));
        s.append(String.format(Locale.ROOT, "  published       %d versions (%d failed)%n", published, publishFailed));
        s.append(String.format(Locale.ROOT, "  deliveries      %d in %.1f s = %.0f/s (expected %.0f/s)%n",
                deliveries, seconds, deliveriesPerSecond(), expectedPerSecond));
        s.append(String.format(Locale.ROOT, "  latency         p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  (%d samples)%n",
                p(50) / 1e3, p(99) / 1e3, p(99.9) / 1e3, latency.getMaxValue() / 1e3, latency.getTotalCount()));
        s.append(String.format(Locale.ROOT, "  lost %d  duplicated %d  out-of-order %d  (streams with errors %d, behind at the end %d, closed by the server %d, malformed %d)%n",
                lost, duplicated, outOfOrder, streamsWithErrors, streamsBehind, closedByServer, malformed));
        if (notOpened > 0) {
            s.append(String.format(Locale.ROOT, "  not opened      %d %s%n", notOpened, reasons));
        }
        if (serverPid >= 0) {
            s.append(String.format(Locale.ROOT, "  server %d      CPU %.2f s = %.1f%% of a core, %.3f µs per delivery; RSS %.1f MiB%n",
                    serverPid, serverCpuSeconds, 100 * serverCpuSeconds / seconds, serverCpuMicrosPerDelivery(),
                    serverRss / 1048576.0));
        }
        if (!serverCpuByThread.isEmpty()) {
            s.append("  server threads  ").append(byThread(false)).append('\n');
        }
        if (brokerCpuSeconds >= 0) {
            s.append(String.format(Locale.ROOT, "  broker          CPU %.2f s = %.1f%% of a core, %.3f µs per delivery%n",
                    brokerCpuSeconds, 100 * brokerCpuSeconds / seconds, brokerCpuMicrosPerDelivery()));
        }
        s.append(String.format(Locale.ROOT, "  client          CPU %.1f%% of a core%n", 100 * clientCpuSeconds / seconds));
        if (stalled != null) {
            Timeline t = stalled.timeline();
            s.append(String.format(Locale.ROOT, "  stalled         %d/%d open (in %.1f s, before the window), %d closed by the server, all closed %.1f s into the window%n",
                    stalled.opened(), t.stalledRequested(), stalled.openSeconds(), stalled.closedByServer(), t.allClosedMillis() / 1e3));
            s.append(String.format(Locale.ROOT, "  while stalled   p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%d samples)%n",
                    p(t.whileStalled(), 50) / 1e3, p(t.whileStalled(), 99) / 1e3, t.whileStalled().getMaxValue() / 1e3,
                    t.whileStalled().getTotalCount()));
            s.append(String.format(Locale.ROOT, "  after           p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%d samples)%n",
                    p(t.afterStalled(), 50) / 1e3, p(t.afterStalled(), 99) / 1e3, t.afterStalled().getMaxValue() / 1e3,
                    t.afterStalled().getTotalCount()));
            Timeline.Tick peak = t.stalledPeak();
            if (peak != null) {
                SocketMemory.Sample m = peak.memory();
                long[] host = t.hostTcpMemPages();
                s.append(String.format(Locale.ROOT, "  kernel          stalled: peak %.1f MiB queued to send over %d sockets (%.0f KiB each, write queue %.0f KiB, "
                                + "send buffer %.0f KiB), %.1f MiB unread at the clients; freed %d ms after all were closed%n",
                        m.stalledSendQueue() / 1048576.0, m.stalledSockets(), perSocket(m.stalledSendQueue(), m) / 1024,
                        perSocket(m.stalledWriteMemory(), m) / 1024, perSocket(m.stalledSendBuffer(), m) / 1024,
                        m.stalledClientReceiveQueue() / 1048576.0, t.freedAfterMillis()));
                s.append(String.format(Locale.ROOT, "                  reading streams: peak write queue %.1f MiB; host TCP memory %d → peak %d → %d pages%n",
                        t.normalWriteMemoryPeak() / 1048576.0, host[0], host[1], host[2]));
            }
        }
        s.append("  verdict         ").append(clean() ? "every version delivered once, in order" : "NOT CLEAN").append('\n');
        return s.toString();
    }

    String toJson() {
        return toJson(false);
    }

    /** As JSON; with the latency histogram (compressed, Base64) when {@code withHistogram}, for merging. */
    String toJson(boolean withHistogram) {
        StringBuilder s = new StringBuilder("{\n");
        field(s, "command", "fanout");
        field(s, "url", url);
        field(s, "publish_url", publishUrl);
        field(s, "server_pid", serverPid);
        field(s, "streams_requested", streamsRequested);
        field(s, "streams_open", streamsOpen);
        field(s, "topics", topics);
        field(s, "rate", rate);
        field(s, "client_transport", clientTransport);
        field(s, "published", published);
        field(s, "publish_failed", publishFailed);
        field(s, "seconds", seconds);
        field(s, "deliveries", deliveries);
        field(s, "deliveries_per_second", deliveriesPerSecond());
        field(s, "expected_per_second", expectedPerSecond);
        field(s, "latency_samples", latency.getTotalCount());
        field(s, "latency_p50_us", p(50));
        field(s, "latency_p99_us", p(99));
        field(s, "latency_p999_us", p(99.9));
        field(s, "latency_max_us", latency.getMaxValue());
        field(s, "lost", lost);
        field(s, "duplicated", duplicated);
        field(s, "out_of_order", outOfOrder);
        field(s, "streams_with_errors", streamsWithErrors);
        field(s, "streams_behind", streamsBehind);
        field(s, "closed_by_server", closedByServer);
        field(s, "malformed", malformed);
        field(s, "not_opened", notOpened);
        field(s, "server_cpu_seconds", serverCpuSeconds);
        field(s, "server_cpu_us_per_delivery", serverCpuMicrosPerDelivery());
        field(s, "server_rss_bytes", serverRss);
        s.append("  \"server_cpu_seconds_by_thread\": {").append(byThread(true)).append("},\n");
        if (brokerCpuSeconds >= 0) {
            field(s, "broker_cpu_seconds", brokerCpuSeconds);
            field(s, "broker_cpu_us_per_delivery", brokerCpuMicrosPerDelivery());
        }
        field(s, "client_cpu_seconds", clientCpuSeconds);
        if (withHistogram) {
            ByteBuffer buffer = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
            int length = latency.encodeIntoCompressedByteBuffer(buffer);
            field(s, "latency_histogram", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
        }
        if (stalled != null) {
            Timeline t = stalled.timeline();
            field(s, "stalled_requested", t.stalledRequested());
            field(s, "stalled_opened", stalled.opened());
            field(s, "stalled_open_seconds", stalled.openSeconds());
            field(s, "stalled_closed_by_server", stalled.closedByServer());
            field(s, "stalled_all_closed_ms", t.allClosedMillis());
            field(s, "latency_while_stalled_samples", t.whileStalled().getTotalCount());
            field(s, "latency_while_stalled_p50_us", p(t.whileStalled(), 50));
            field(s, "latency_while_stalled_p99_us", p(t.whileStalled(), 99));
            field(s, "latency_while_stalled_max_us", t.whileStalled().getMaxValue());
            field(s, "latency_after_stalled_samples", t.afterStalled().getTotalCount());
            field(s, "latency_after_stalled_p50_us", p(t.afterStalled(), 50));
            field(s, "latency_after_stalled_p99_us", p(t.afterStalled(), 99));
            field(s, "latency_after_stalled_max_us", t.afterStalled().getMaxValue());
            Timeline.Tick peak = t.stalledPeak();
            if (peak != null) {
                SocketMemory.Sample m = peak.memory();
                long[] host = t.hostTcpMemPages();
                field(s, "stalled_peak_ms", peak.millis());
                field(s, "stalled_peak_sockets", m.stalledSockets());
                field(s, "stalled_peak_send_queue_bytes", m.stalledSendQueue());
                field(s, "stalled_peak_write_memory_bytes", m.stalledWriteMemory());
                field(s, "stalled_send_queue_per_socket_bytes", perSocket(m.stalledSendQueue(), m));
                field(s, "stalled_write_memory_per_socket_bytes", perSocket(m.stalledWriteMemory(), m));
                field(s, "stalled_send_buffer_per_socket_bytes", perSocket(m.stalledSendBuffer(), m));
                field(s, "stalled_peak_client_receive_queue_bytes", m.stalledClientReceiveQueue());
                field(s, "stalled_freed_after_ms", t.freedAfterMillis());
                field(s, "normal_peak_write_memory_bytes", t.normalWriteMemoryPeak());
                field(s, "host_tcp_mem_pages_start", host[0]);
                field(s, "host_tcp_mem_pages_peak", host[1]);
                field(s, "host_tcp_mem_pages_end", host[2]);
            }
            s.append("  \"timeline\": ").append(t.ticksJson()).append(",\n");
        }
        s.append("  \"clean\": ").append(clean()).append("\n}\n");
        return s.toString();
    }

    private static void field(StringBuilder s, String name, Object value) {
        JsonText.field(s, name, value, 4);
    }
}
