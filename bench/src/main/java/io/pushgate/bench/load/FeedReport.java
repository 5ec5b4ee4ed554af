package io.pushgate.bench.load;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * The figures of one {@code feed} run, as text or JSON. Latencies (append to receipt, from the
 * text's leading micros) are in microseconds; lost, duplicated, out-of-order, resets and streams on
 * another epoch count over the whole run, each a violation.
 *
 * <p>Immutable once built; any thread.
 */
record FeedReport(String url, String appendUrl, int streamsRequested, int streamsOpen, int feeds, int feedsPerStream,
                  String rate,
                  long appended, long appendFailed, double seconds, long deliveries, Histogram latency,
                  long cut, long reopenedAfterClose, long notReopened, FeedStream.Tally tally, int otherEpoch,
                  int streamsBehind, double serverCpuSeconds) {

    /** Every stream opened and saw every event of its feed once, in order, without a reset; every append answered. */
    boolean clean() {
        return streamsOpen == streamsRequested && appendFailed == 0 && tally.clean() && otherEpoch == 0
                && notReopened == 0;
    }

    double appendsPerSecond() {
        return appended / seconds;
    }

    long p(double percentile) {
        return latency.getTotalCount() == 0 ? -1 : latency.getValueAtPercentile(percentile);
    }

    String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "feed %s: %d/%d streams over %d feeds (%d each), appending %s/s to %s%n",
                url, streamsOpen, streamsRequested, feeds, feedsPerStream, rate, appendUrl));
        s.append(String.format(Locale.ROOT, "  appended        %d events in %.1f s = %.0f/s (%d failed)%n",
                appended, seconds, appendsPerSecond(), appendFailed));
        s.append(String.format(Locale.ROOT, "  deliveries      %d; latency p50 %.3f ms  p99 %.3f ms  max %.3f ms%n",
                deliveries, p(50) / 1e3, p(99) / 1e3, latency.getMaxValue() / 1e3));
        s.append(String.format(Locale.ROOT, "  reconnects      %d cut and reopened with Last-Event-ID, %d reopened after the server closed them, "
                + "%d reopens that failed%n", cut, reopenedAfterClose, notReopened));
        s.append(String.format(Locale.ROOT, "  lost %d  duplicated %d  out-of-order %d  resets %d  on another epoch %d  "
                + "(streams with errors %d, behind at the end %d, malformed %d)%n",
                tally.lost(), tally.duplicated(), tally.outOfOrder(), tally.resets(), otherEpoch, tally.streamsWithErrors(),
                streamsBehind, tally.malformed()));
        if (serverCpuSeconds >= 0) {
            s.append(String.format(Locale.ROOT, "  server          CPU %.2f s = %.1f%% of a core, %.1f µs per append%n",
                    serverCpuSeconds, 100 * serverCpuSeconds / seconds, serverCpuSeconds * 1e6 / Math.max(1, appended)));
        }
        s.append("  verdict         ").append(clean() ? "every event delivered once, in order, across every reconnect"
                : "NOT CLEAN").append('\n');
        return s.toString();
    }

    String toJson() {
        StringBuilder s = new StringBuilder("{\n");
        field(s, "command", "feed");
        field(s, "url", url);
        field(s, "append_url", appendUrl);
        field(s, "streams_requested", streamsRequested);
        field(s, "streams_open", streamsOpen);
        field(s, "feeds", feeds);
        field(s, "feeds_per_stream", feedsPerStream);
        field(s, "rate", rate);
        field(s, "appended", appended);
        field(s, "append_failed", appendFailed);
        field(s, "seconds", seconds);
        field(s, "appends_per_second", appendsPerSecond());
        field(s, "deliveries", deliveries);
        field(s, "latency_p50_us", p(50));
        field(s, "latency_p99_us", p(99));
        field(s, "latency_max_us", latency.getMaxValue());
        field(s, "cut", cut);
        field(s, "reopened_after_close", reopenedAfterClose);
        field(s, "reopens_failed", notReopened);
        field(s, "lost", tally.lost());
        field(s, "duplicated", tally.duplicated());
        field(s, "out_of_order", tally.outOfOrder());
        field(s, "resets", tally.resets());
        field(s, "other_epoch", otherEpoch);
        field(s, "streams_with_errors", tally.streamsWithErrors());
        field(s, "streams_behind", streamsBehind);
        field(s, "malformed", tally.malformed());
        field(s, "server_cpu_seconds", serverCpuSeconds);
        s.append("  \"clean\": ").append(clean()).append("\n}\n");
        return s.toString();
    }

    private static void field(StringBuilder s, String name, Object value) {
        JsonText.field(s, name, value, 4);
    }
}
