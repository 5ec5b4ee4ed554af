package io.pushgate.bench.load;

import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;

/**
 * {@code fanout --procs K}: one run split over K load processes, since a process may hold only so
 * many open files. Process k takes the topics {@code i} with {@code i % K == k}, N/K streams and
 * R/K of the rate; all start publishing at one wall-clock instant, so their measured windows
 * coincide. This process holds no stream: it reads the server's CPU over the common window and
 * merges the processes' figures (counts summed, latency histograms added).
 *
 * <p>Thread rules: the driving thread only.
 */
final class SplitRun {
    private static final Logger log = LoggerFactory.getLogger(SplitRun.class);
    private static final Pattern FIELD = Pattern.compile("\"([a-z0-9_]+)\": (\"[^\"]*\"|[^,\\n]+)");

    private final FanoutCommand command;
    private final String prefix;

    SplitRun(FanoutCommand command, String prefix) {
        this.command = command;
        this.prefix = prefix;
    }

    FanoutReport run() throws IOException, InterruptedException {
        int k = command.procs;
        if (command.topics % k != 0 || command.streams % k != 0) {
            throw new IllegalArgumentException("--procs must divide --streams and --topics");
        }
        // Time for every process to start its JVM and open its streams, ~2,000 a second each.
        long openMillis = 8_000 + 1_000L * command.streams / k / 2_000;
        long startAt = System.currentTimeMillis() + openMillis;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        List<CompletableFuture<String>> outputs = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            List<String> argv = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    PushgateLoad.class.getName()));
            argv.addAll(command.shardArguments(i, prefix, startAt));
            Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            processes.add(p);
            outputs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            }));
        }
        log.info("{} load processes started; publishing starts in {} s", k, openMillis / 1000);
        String pid = command.serverPid == null ? null : Long.toString(command.serverPid);
        long windowStart = startAt + command.warmup.toMillis();
        Thread.sleep(Math.max(0, windowStart - System.currentTimeMillis()));
        String brokerPid = command.brokerPid == null ? null : Long.toString(command.brokerPid);
        long ticksStart = pid == null ? 0 : ServerProbe.cpuTicks(pid);
        Map<String, Long> threadsStart = pid == null ? Map.of() : ServerProbe.cpuTicksByThreadKind(pid);
        long brokerTicksStart = brokerPid == null ? 0 : ServerProbe.cpuTicks(brokerPid);
        long nanoStart = System.nanoTime();
        Thread.sleep(Math.max(0, windowStart + command.duration.toMillis() - System.currentTimeMillis()));
        long ticksEnd = pid == null ? 0 : ServerProbe.cpuTicks(pid);
        Map<String, Double> byThread = pid == null ? Map.of()
                : ServerProbe.secondsByThreadKind(threadsStart, ServerProbe.cpuTicksByThreadKind(pid));
        long brokerTicksEnd = brokerPid == null ? 0 : ServerProbe.cpuTicks(brokerPid);
        double seconds = (System.nanoTime() - nanoStart) / 1e9;
        long rss = pid == null ? -1 : ServerProbe.rssBytes(pid);

        List<Map<String, String>> shards = new ArrayList<>();
        long bound = command.drain.toMillis() + command.timeout.toMillis() + 60_000;
        for (int i = 0; i < k; i++) {
            Process p = processes.get(i);
            if (!p.waitFor(bound, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("load process " + i + " did not finish");
            }
            shards.add(fields(outputs.get(i).join()));
        }
        Histogram latency = new Histogram(3);
        long[] sums = new long[13];
        double clientCpu = 0;
        for (Map<String, String> f : shards) {
            if (!f.containsKey("latency_histogram")) {
                throw new IOException("a load process printed no result: " + f);
            }
            try {
                latency.add(Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(f.get("latency_histogram"))), 0));
            } catch (DataFormatException e) {
                throw new IOException("bad histogram from a load process", e);
            }
            String[] names = {"streams_requested", "streams_open", "published", "publish_failed", "deliveries", "lost",
                "duplicated", "out_of_order", "streams_with_errors", "streams_behind", "closed_by_server", "malformed",
                "not_opened"};
            for (int j = 0; j < names.length; j++) {
                sums[j] += Long.parseLong(f.get(names[j]));
            }
            clientCpu += Double.parseDouble(f.get("client_cpu_seconds"));
        }
        String transport = shards.get(0).get("client_transport") + " x" + k + " processes";
        double serverCpu = pid == null ? -1 : (double) (ticksEnd - ticksStart) / ServerProbe.clockTicksPerSecond();
        double brokerCpu = brokerPid == null ? -1 : (double) (brokerTicksEnd - brokerTicksStart) / ServerProbe.clockTicksPerSecond();
        // The deliveries are the processes' (each over its own window, which coincide to a few ms);
        // the rate is over this process's window.
        return new FanoutReport(command.url, command.publishUrl == null ? command.url : command.publishUrl,
                pid == null ? -1 : command.serverPid, (int) sums[0], (int) sums[1], command.topics, command.rate,
                transport, sums[2], sums[3], seconds, sums[4], (double) command.streams / command.topics * command.rate,
                latency, sums[5], sums[6], sums[7], (int) sums[8], (int) sums[9], (int) sums[10], sums[11], (int) sums[12],
                Map.of(), serverCpu, rss, byThread, brokerCpu, clientCpu, null);
    }

    /** The top-level fields of a load process's JSON result, values unquoted. */
    static Map<String, String> fields(String json) {
        Map<String, String> fields = new java.util.HashMap<>();
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            String value = m.group(2).trim();
            fields.put(m.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
        }
        return fields;
    }
}
