package io.pushgate.bench.load;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code idle} measured: the server's live heap and resident set without streams and with
 * the idle streams open, per stream, where the bytes go (the histogram difference by class), and
 * the server's CPU while the streams sat idle, in all and by thread. With {@code --cpu-only} the
 * heap and RSS parts are null and left out. With the broker's pid (a redis-server), its CPU over
 * the hold too ({@code brokerCpuPercent}, -1 without). Renders itself as text or JSON.
 *
 * <p>Immutable; any thread.
 */
record IdleReport(
        String url,
        long serverPid,
        int streamsRequested,
        int topics,
        String clientTransport,
        List<String> sourceAddresses,
        int warmupStreams,
        int streamsOpen,
        int rejected,
        int failed,
        Map<String, Integer> failureReasons,
        double openSeconds,
        ClassHistogram baseline,
        ClassHistogram withStreams,
        ServerProbe.Resident rssBaseline,
        ServerProbe.Resident rssWithStreams,
        double holdSeconds,
        double idleCpuPercent,
        double brokerCpuPercent,
        Map<String, Double> cpuMillisByThread,
        int lostDuringHold,
        long bytesReceivedDuringHold,
        long serverChannelsAdded,
        List<ClassHistogram.Row> topClasses,
        Map<String, Long> nativeMemoryDiff) {

    /** Targets of the issue: an idle stream should cost at most this much heap and resident memory. */
    static final long HEAP_TARGET = 2048;
    static final long RSS_TARGET = 4096;

    long heapBaseline() {
        return baseline.totalBytes();
    }

    long heapWithStreams() {
        return withStreams.totalBytes();
    }

    double heapPerStream() {
        return perStream(heapWithStreams() - heapBaseline());
    }

    double rssPerStream() {
        return perStream(rssWithStreams.total() - rssBaseline.total());
    }

    /** The part of {@link #rssPerStream} in the Java heap's address range (pages the GC touched). */
    double rssHeapPerStream() {
        return perStream(rssWithStreams.javaHeap() - rssBaseline.javaHeap());
    }

    /** The part of {@link #rssPerStream} outside the Java heap: native memory. */
    double rssNativePerStream() {
        return perStream(rssWithStreams.outsideHeap() - rssBaseline.outsideHeap());
    }

    /** Whether heap and RSS were measured (not {@code --cpu-only}). */
    boolean measuredMemory() {
        return baseline != null;
    }

    boolean complete() {
        return streamsOpen == streamsRequested && lostDuringHold == 0;
    }

    private double perStream(long bytes) {
        return streamsOpen == 0 ? Double.NaN : (double) bytes / streamsOpen;
    }

    String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "pushgate-load idle: %d streams to %s over %d topics, server pid %d%n",
                streamsRequested, url, topics, serverPid));
        line(s, "client", String.format(Locale.ROOT, "%s, sources %s, %d warm-up streams opened and closed before the baseline",
                clientTransport, String.join(",", sourceAddresses), warmupStreams));
        line(s, "open", String.format(Locale.ROOT, "%d of %d in %.1f s (%d rejected, %d failed%s)",
                streamsOpen, streamsRequested, openSeconds, rejected, failed,
                failureReasons.isEmpty() ? "" : ": " + failureReasons));
        if (measuredMemory()) {
            memoryText(s);
        }
        line(s, "server CPU while idle", String.format(Locale.ROOT,
                "%.3f %% of one core over %.1f s (%d streams lost, %,d B received)",
                idleCpuPercent, holdSeconds, lostDuringHold, bytesReceivedDuringHold));
        line(s, "  by thread (ms)", cpuMillisByThread.toString());
        if (brokerCpuPercent >= 0) {
            line(s, "broker CPU while idle", String.format(Locale.ROOT, "%.3f %% of one core", brokerCpuPercent));
        }
        if (measuredMemory()) {
            classesText(s);
        }
        return s.toString();
    }

    private void memoryText(StringBuilder s) {
        line(s, "server channels added", serverChannelsAdded + " (instances of its socket channel class)");
        line(s, "live heap, no streams", String.format(Locale.ROOT, "%,d B", heapBaseline()));
        line(s, "live heap, with streams", String.format(Locale.ROOT, "%,d B", heapWithStreams()));
        line(s, "heap per stream", String.format(Locale.ROOT, "%,.0f B (target <= %d B: %s)",
                heapPerStream(), HEAP_TARGET, verdict(heapPerStream(), HEAP_TARGET)));
        line(s, "RSS, no streams", resident(rssBaseline));
        line(s, "RSS, with streams", resident(rssWithStreams));
        line(s, "RSS per stream", String.format(Locale.ROOT, "%,.0f B (target <= %d B: %s): %,.0f B Java heap range, %,.0f B outside",
                rssPerStream(), RSS_TARGET, verdict(rssPerStream(), RSS_TARGET), rssHeapPerStream(), rssNativePerStream()));
    }

    private void classesText(StringBuilder s) {
        s.append(String.format(Locale.ROOT, "  top classes of the live-heap difference (with streams - baseline):%n"));
        s.append(String.format(Locale.ROOT, "  %12s %9s %10s %8s  %s%n", "bytes", "B/stream", "instances", "/stream", "class"));
        for (ClassHistogram.Row row : topClasses) {
            s.append(String.format(Locale.ROOT, "  %,12d %9.1f %,10d %8.2f  %s%n", row.bytes(), perStream(row.bytes()),
                    row.instances(), perStream(row.instances()), row.className()));
        }
        if (!nativeMemoryDiff.isEmpty()) {
            s.append(String.format(Locale.ROOT, "  committed native memory, change by JVM category (NMT):%n"));
            nativeMemoryDiff.forEach((category, bytes) -> {
                if (bytes != 0) {
                    s.append(String.format(Locale.ROOT, "  %,12d %9.1f  %s%n", bytes, perStream(bytes), category));
                }
            });
        }
    }

    private static String resident(ServerProbe.Resident r) {
        return String.format(Locale.ROOT, "%,d B (%,d B in the Java heap range, %,d B outside)",
                r.total(), r.javaHeap(), r.outsideHeap());
    }

    private static void line(StringBuilder s, String label, String value) {
        s.append(String.format(Locale.ROOT, "  %-24s %s%n", label, value));
    }

    private static String verdict(double value, long target) {
        if (Double.isNaN(value)) {
            return "no streams";
        }
        return value <= target ? "within" : "OVER";
    }

    String toJson() {
        StringBuilder s = new StringBuilder("{\n");
        field(s, "command", "idle");
        field(s, "url", url);
        field(s, "server_pid", serverPid);
        field(s, "streams_requested", streamsRequested);
        field(s, "topics", topics);
        field(s, "client_transport", clientTransport);
        s.append("  \"source_addresses\": [");
        for (int i = 0; i < sourceAddresses.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(quote(sourceAddresses.get(i)));
        }
        s.append("],\n");
        field(s, "warmup_streams", warmupStreams);
        field(s, "streams_open", streamsOpen);
        field(s, "rejected", rejected);
        field(s, "failed", failed);
        s.append("  \"failure_reasons\": {");
        int i = 0;
        for (Map.Entry<String, Integer> e : failureReasons.entrySet()) {
            s.append(i++ == 0 ? "" : ", ").append(quote(e.getKey())).append(": ").append(e.getValue());
        }
        s.append("},\n");
        field(s, "open_seconds", openSeconds);
        field(s, "hold_seconds", holdSeconds);
        JsonText.field(s, "idle_cpu_percent_of_one_core", idleCpuPercent, 3);
        if (brokerCpuPercent >= 0) {
            JsonText.field(s, "broker_idle_cpu_percent_of_one_core", brokerCpuPercent, 3);
        }
        s.append("  \"server_cpu_ms_by_thread\": {");
        int t = 0;
        for (Map.Entry<String, Double> e : cpuMillisByThread.entrySet()) {
            s.append(t++ == 0 ? "" : ", ").append(quote(e.getKey())).append(": ").append(number(e.getValue()));
        }
        s.append("},\n");
        field(s, "lost_during_hold", lostDuringHold);
        field(s, "bytes_received_during_hold", bytesReceivedDuringHold);
        if (!measuredMemory()) {
            field(s, "complete", complete());
            s.append("  \"cpu_only\": true\n}\n");
            return s.toString();
        }
        field(s, "server_channels_added", serverChannelsAdded);
        field(s, "heap_baseline_bytes", heapBaseline());
        field(s, "heap_with_streams_bytes", heapWithStreams());
        field(s, "heap_per_stream_bytes", heapPerStream());
        field(s, "rss_baseline_bytes", rssBaseline.total());
        field(s, "rss_with_streams_bytes", rssWithStreams.total());
        field(s, "rss_heap_range_baseline_bytes", rssBaseline.javaHeap());
        field(s, "rss_heap_range_with_streams_bytes", rssWithStreams.javaHeap());
        field(s, "rss_per_stream_bytes", rssPerStream());
        field(s, "rss_heap_range_per_stream_bytes", rssHeapPerStream());
        field(s, "rss_outside_heap_per_stream_bytes", rssNativePerStream());
        field(s, "heap_target_bytes", HEAP_TARGET);
        field(s, "rss_target_bytes", RSS_TARGET);
        field(s, "heap_within_target", heapPerStream() <= HEAP_TARGET);
        field(s, "rss_within_target", rssPerStream() <= RSS_TARGET);
        field(s, "complete", complete());
        s.append("  \"top_classes\": [");
        for (int k = 0; k < topClasses.size(); k++) {
            ClassHistogram.Row row = topClasses.get(k);
            s.append(k == 0 ? "\n" : ",\n").append("    {\"class\": ").append(quote(row.className()))
                    .append(", \"bytes\": ").append(row.bytes())
                    .append(", \"instances\": ").append(row.instances())
                    .append(", \"bytes_per_stream\": ").append(number(perStream(row.bytes()))).append('}');
        }
        s.append("\n  ],\n  \"native_memory_committed_change_bytes\": {");
        int n = 0;
        for (Map.Entry<String, Long> e : nativeMemoryDiff.entrySet()) {
            s.append(n++ == 0 ? "" : ", ").append(quote(e.getKey())).append(": ").append(e.getValue());
        }
        s.append("}\n}\n");
        return s.toString();
    }

    private static void field(StringBuilder s, String name, Object value) {
        JsonText.field(s, name, value, 1);
    }

    private static String number(double d) {
        return JsonText.number(d, 1);
    }

    private static String quote(String text) {
        return JsonText.quote(text);
    }
}
