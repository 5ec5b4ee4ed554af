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
 * <p>Immutable once built; any thread.
 */
record FanoutReport(String url, String publishUrl, long serverPid, int streamsRequested, int streamsOpen,
                    int topics, double rate, String clientTransport, long published, long publishFailed,
                    double seconds, long deliveries, double expectedPerSecond, Histogram latency,
                    long lost, long duplicated, long outOfOrder, int streamsWithErrors, int streamsBehind,
                    int closedByServer, long malformed, int notOpened, Map<String, Integer> reasons,
                    double serverCpuSeconds, long serverRss, double clientCpuSeconds) {

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

    long p(double percentile) {
        return latency.getTotalCount() == 0 ? -1 : latency.getValueAtPercentile(percentile);
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
        s.append(String.format(Locale.ROOT, "  client          CPU %.1f%% of a core%n", 100 * clientCpuSeconds / seconds));
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
        field(s, "client_cpu_seconds", clientCpuSeconds);
        if (withHistogram) {
            ByteBuffer buffer = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
            int length = latency.encodeIntoCompressedByteBuffer(buffer);
            field(s, "latency_histogram", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
        }
        s.append("  \"clean\": ").append(clean()).append("\n}\n");
        return s.toString();
    }

    private static void field(StringBuilder s, String name, Object value) {
        JsonText.field(s, name, value, 4);
    }
}
