package io.pushgate.bench.load;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * {@code idle}: what an idle SSE stream costs the server. Opens N streams that then only sit, and
 * reads the server's live heap (after a full GC) and resident set before and with them, the
 * difference by class, and its CPU while they are idle, in all and by thread. The CPU window
 * begins {@code --settle} after the last stream opened, when the opening's own work (the JIT,
 * collections) is over: 15,000 streams left about 30 s of it. With {@code --cpu-only} it measures
 * the CPU alone and needs no JVM on the other side (the C heartbeat floor). Figures are recorded
 * in {@code bench/RESULTS.md}, "Idle streams: heap and RSS per stream" and "Idle CPU at 15,000
 * streams (issue 16)".
 *
 * <p>Exit status: 0 when every stream opened and stayed open, 1 when some did not (the figures are
 * then per stream actually open), 3 when the server could not be measured.
 */
@Command(name = "idle", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Open N idle SSE streams and measure the server's heap, RSS and CPU per stream.")
final class IdleCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(IdleCommand.class);
    /** Netty's socket channel classes (epoll, io_uring, NIO): their instance count is the server's connection count. */
    private static final Pattern SOCKET_CHANNEL =
            Pattern.compile("io\\.netty\\.channel\\.(epoll\\.Epoll|uring\\.IoUring|socket\\.nio\\.Nio)SocketChannel");

    @Option(names = "--url", required = true, description = "The gateway, e.g. http://127.0.0.1:8080 (loopback only).")
    String url;

    @Mixin
    ConnectOptions connect;

    @Mixin
    TokenOptions token;

    @Option(names = "--streams", required = true, description = "Idle streams to open.")
    int streams;

    @Option(names = "--topics", defaultValue = "100",
            description = "Stream i subscribes to topic idle-<i %% T> (default: ${DEFAULT-VALUE}).")
    int topics;

    @Option(names = "--server-pid", required = true, description = "Process id of the gateway (same machine, same user).")
    long serverPid;

    @Option(names = "--broker-pid", description = "Process id of the server's broker (a redis-server): its CPU over "
            + "the hold is reported beside the server's.")
    Long brokerPid;

    @Option(names = "--hold", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long the open streams sit idle while the server's CPU is read (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Option(names = "--warmup", defaultValue = "1000",
            description = "Streams opened and closed before the baseline, so one-off costs (class loading, "
                    + "pools, caches) are not counted per stream; 0 for none (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--settle", defaultValue = "45s", converter = DurationConverter.class,
            description = "Wait after the last stream opened before the CPU window, so that it holds the steady "
                    + "idle state and not the opening's tail (JIT, collections: ~30 s at 15,000 streams) "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--cpu-only",
            description = "Measure the server's CPU only: no heap, RSS or class histogram, so the server need not be a JVM.")
    boolean cpuOnly;

    @Option(names = "--timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "Give up opening the streams (and, apart, the warm-up) after this long and report "
                    + "what opened (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--native-memory",
            description = "Also report the change of the server's committed native memory by JVM category "
                    + "(the server must run with -XX:NativeMemoryTracking=summary).")
    boolean nativeMemory;

    @Option(names = "--top", defaultValue = "15",
            description = "Classes of the histogram difference to show (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    public Integer call() throws Exception {
        Target target = Target.parse(url);
        require(streams > 0 && topics > 0 && warmup >= 0 && top >= 0,
                "--streams, --topics must be positive; --warmup, --top not negative");
        LoadClient.requireOpenFiles(streams, "");
        long serverFiles = ServerProbe.openFilesLimit(Long.toString(serverPid));
        if (serverFiles >= 0 && streams + LoadClient.SPARE_FILES > serverFiles) {
            log.warn("the server may hold {} open files: {} streams may not all fit", serverFiles, streams);
        }
        List<InetAddress> sources = connect.sources(target, streams + warmup);
        // The warm-up's stream i and the measured stream i share a token: one minting, before the baseline.
        IntFunction<String> query = token.tokens().streamQueries(Math.max(streams, warmup), i -> "idle-" + (i % topics));
        IntFunction<String> path = i -> "/topics/idle-" + (i % topics) + "/events" + query.apply(i);

        ServerProbe server = null;
        if (!cpuOnly) {
            try {
                server = new ServerProbe(serverPid, Duration.ofMinutes(2));
                log.info("server {}: {}", serverPid, server.vmVersion().replace('\n', ' '));
            } catch (Exception e) {
                log.error("cannot attach to server process {}: {}", serverPid, e.getMessage());
                return 3;
            }
        }
        String pid = Long.toString(serverPid);
        try (LoadClient client = connect.client(target, sources)) {
            if (warmup > 0) {
                log.info("warm-up: opening and closing {} streams", warmup);
                client.open(warmup, path, System.nanoTime() + timeout.toNanos());
                client.closeAll(Duration.ofSeconds(10));
                // Let the server see the closes and drop the streams before the baseline.
                Thread.sleep(1000);
            }
            ClassHistogram baseline = null;
            ServerProbe.Resident rssBaseline = null;
            if (server != null) {
                log.info("baseline: full GC and class histogram of {}", serverPid);
                baseline = server.liveHistogram();
                rssBaseline = server.resident();
                if (nativeMemory) {
                    server.nativeMemoryBaseline();
                }
            }

            log.info("opening {} streams to {} over {} topics", streams, target.url(), topics);
            int rejectedBefore = client.rejectedCount();
            int failedBefore = client.failedCount();
            Map<String, Integer> reasonsBefore = client.reasons();
            long openStart = System.nanoTime();
            int opened = client.open(streams, path, openStart + timeout.toNanos());
            double openSeconds = (System.nanoTime() - openStart) / 1e9;
            int rejected = client.rejectedCount() - rejectedBefore;
            int failed = client.failedCount() - failedBefore;
            Map<String, Integer> reasons = new TreeMap<>();
            client.reasons().forEach((reason, n) -> {
                int since = n - reasonsBefore.getOrDefault(reason, 0);
                if (since > 0) {
                    reasons.put(reason, since);
                }
            });
            Thread.sleep(settle.toMillis());

            log.info("{} streams open; holding them idle for {} s", client.openCount(), hold.toSeconds());
            int lostBefore = client.lostCount();
            long bytesBefore = client.bytesReceived();
            long ticksBefore = ServerProbe.cpuTicks(pid);
            long brokerTicksBefore = brokerPid == null ? 0 : ServerProbe.cpuTicks(Long.toString(brokerPid));
            Map<String, Long> threadsBefore = ServerProbe.cpuNanosByThreadKind(pid);
            long holdStart = System.nanoTime();
            Thread.sleep(hold.toMillis());
            long ticks = ServerProbe.cpuTicks(pid) - ticksBefore;
            long brokerTicks = brokerPid == null ? -1 : ServerProbe.cpuTicks(Long.toString(brokerPid)) - brokerTicksBefore;
            Map<String, Long> threadsAfter = ServerProbe.cpuNanosByThreadKind(pid);
            double heldSeconds = (System.nanoTime() - holdStart) / 1e9;
            int lost = client.lostCount() - lostBefore;
            long bytes = client.bytesReceived() - bytesBefore;

            int openAtMeasure = client.openCount();
            ClassHistogram withStreams = null;
            ServerProbe.Resident rssWithStreams = null;
            Map<String, Long> nativeDiff = Map.of();
            List<ClassHistogram.Row> diff = List.of();
            if (server != null) {
                log.info("with streams: full GC and class histogram of {}", serverPid);
                withStreams = server.liveHistogram();
                rssWithStreams = server.resident();
                nativeDiff = nativeMemory ? server.nativeMemoryDiff() : Map.of();
                diff = withStreams.minus(baseline);
            }
            long channelsAdded = diff.stream().filter(r -> SOCKET_CHANNEL.matcher(r.className()).matches())
                    .mapToLong(ClassHistogram.Row::instances).sum();
            double cpuPercent = 100.0 * ticks / ServerProbe.clockTicksPerSecond() / heldSeconds;
            double brokerPercent = brokerTicks < 0 ? -1 : 100.0 * brokerTicks / ServerProbe.clockTicksPerSecond() / heldSeconds;
            IdleReport report = new IdleReport(target.url(), serverPid, streams, topics, client.transport(),
                    sources.stream().map(InetAddress::getHostAddress).toList(), warmup,
                    openAtMeasure, rejected, failed, reasons, openSeconds,
                    baseline, withStreams, rssBaseline, rssWithStreams, heldSeconds, cpuPercent,
                    brokerPercent, millisByThread(threadsBefore, threadsAfter), lost, bytes,
                    channelsAdded, diff.subList(0, Math.min(top, diff.size())), nativeDiff);
            if (opened != openAtMeasure) {
                log.warn("{} streams opened but {} open at the measurement", opened, openAtMeasure);
            }
            System.out.print(json ? report.toJson() : report.toText());
            System.out.flush();
            log.info("closing the streams");
            return report.complete() ? 0 : 1;
        } catch (IOException e) {
            log.error("cannot measure server process {}: {}", serverPid, e.getMessage());
            return 3;
        }
    }

    /** CPU milliseconds of each thread kind between two readings, the busiest first; kinds under 1 ms left out. */
    private static Map<String, Double> millisByThread(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Double> millis = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1e6))
                .filter(e -> e.getValue() >= 1)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> millis.put(e.getKey(), e.getValue()));
        return millis;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
