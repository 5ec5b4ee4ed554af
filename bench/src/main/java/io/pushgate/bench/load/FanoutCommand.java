package io.pushgate.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * {@code fanout}: what a delivery costs and how fast it arrives. Opens N streams over T topics,
 * publishes R versions per second spread over the topics, parses every event on every stream and
 * reports deliveries per second, the publish→receive latency, the lost, duplicated and
 * out-of-order versions per stream (all must be 0) and, given the server's pid, its CPU time per
 * delivery and its RSS. Figures are recorded in {@code bench/RESULTS.md}, "Fan-out".
 *
 * <p>A run: one version per topic first (so every topic has a known base version), the streams,
 * a warm-up of publishing at the rate, the measured window (latency, deliveries, CPU), then the
 * publisher stops and every stream is given a drain period to reach its topic's last version;
 * versions that never came are lost.
 *
 * <p>With {@code --stalled S}, S more streams open just before the measured window on the same
 * topics, read their response head and then never read again: the reading streams' figures are
 * then also given while those were open and after the server closed them, with the kernel memory
 * of the server's connections ({@code --socket-memory}); figures in {@code bench/RESULTS.md},
 * "Stalled readers".
 *
 * <p>Exit status: 0 when every stream opened and saw every version once and in order, 1 otherwise,
 * 3 when the server's /proc could not be read.
 */
@Command(name = "fanout", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Publish versions to T topics read by N streams; check every delivery, measure latency and server CPU.")
final class FanoutCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(FanoutCommand.class);
    private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    @Option(names = "--url", required = true, description = "The server the streams read, e.g. http://127.0.0.1:8080 (loopback only).")
    String url;

    @Mixin
    ConnectOptions connect;

    @Mixin
    TokenOptions token;

    @Option(names = "--publish-url", description = "Where to PUT versions (default: --url), e.g. another node of the same Redis.")
    String publishUrl;

    @Option(names = "--streams", required = true, description = "Streams to open; stream i reads topic i %% T.")
    int streams;

    @Option(names = "--topics", defaultValue = "10", description = "Topics (default: ${DEFAULT-VALUE}).")
    int topics;

    @Option(names = "--rate", defaultValue = "100", description = "Versions published per second, over all topics (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--text-size", defaultValue = "0", converter = SizeConverter.class,
            description = "Length of each published text, e.g. 64KiB (default: the shortest, its publish time and a word).")
    int textSize;

    @Option(names = "--stalled", defaultValue = "0",
            description = "Stalled streams, opened just before the measured window besides the N (stalled stream j "
                    + "reads topic j %% T): each reads its response head and never reads again. Not counted in the "
                    + "deliveries; the others' latency is also given while they were open and after (default: ${DEFAULT-VALUE}).")
    int stalled;

    @Option(names = "--stalled-receive-buffer", defaultValue = "4KiB", converter = SizeConverter.class,
            description = "SO_RCVBUF of a stalled stream (Linux doubles it) (default: ${DEFAULT-VALUE}).")
    int stalledReceiveBuffer;

    @Option(names = "--stalled-read",
            description = "A control for --stalled: open those streams the same way, at the same moment, but let them read "
                    + "(the bytes are counted, not parsed): what opening as many streams costs, without the stall.")
    boolean stalledRead;

    @Option(names = "--socket-memory",
            description = "Every 500 ms of the window, sample the kernel memory of the server port's connections "
                    + "(ss -tmn: send queues, the stalled streams' apart) and the host's TCP memory (/proc/net/sockstat).")
    boolean socketMemory;

    @Option(names = "--duration", defaultValue = "15s", converter = DurationConverter.class,
            description = "The measured window (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class,
            description = "Publishing at the rate before the measured window, for the JIT (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--client-warmup-url",
            description = "Before the run, the same load against this other server (e.g. the C floor) for --client-warmup: "
                    + "this client's own JIT is then warm, so a fresh server's latencies are its own (loopback only).")
    String clientWarmupUrl;

    @Option(names = "--client-warmup", defaultValue = "0s", converter = DurationConverter.class,
            description = "How long the load runs against --client-warmup-url first (default: ${DEFAULT-VALUE}).")
    Duration clientWarmup;

    @Option(names = "--drain", defaultValue = "10s", converter = DurationConverter.class,
            description = "After the last publish, how long streams may take to reach their topic's last version (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--server-pid", description = "Process id of the server (any process: its /proc is read) for CPU per delivery and RSS.")
    Long serverPid;

    @Option(names = "--broker-pid", description = "Process id of the server's broker (a redis-server): its CPU in the "
            + "window is reported beside the server's, as broker CPU per delivery.")
    Long brokerPid;

    @Option(names = "--versions-in-text", description = "For a server whose event ids are not versions (Nchan): the "
            + "publisher numbers each topic's texts itself (<micros> <n> ...), the streams take the version from the "
            + "text, and any 2xx answer to a PUT counts.")
    boolean versionsInText;

    @Option(names = "--unchunked", description = "Stream bodies come unframed, ended by the close (Nchan), not in HTTP/1.1 chunks.")
    boolean unchunked;

    @Option(names = "--topic-prefix", description = "Topic names are <prefix><i> (default: a random prefix per run, so topics start fresh).")
    String topicPrefix;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Option(names = "--procs", defaultValue = "1",
            description = "Split the run over K load processes (a process may hold only so many open files): "
                    + "each takes N/K streams of T/K topics and R/K of the rate; this one measures the server "
                    + "and merges their figures (default: ${DEFAULT-VALUE}).")
    int procs;

    // Set by --procs for each load process it starts.
    @Option(names = "--shard", hidden = true, description = "k/K: this process's topics are those i with i %% K == k.")
    String shard;

    @Option(names = "--start-at", hidden = true, description = "Wall-clock millis at which to start publishing.")
    Long startAt;

    @Option(names = "--timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "Give up opening streams after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        FanoutReport report;
        try {
            report = run();
        } catch (IOException e) {
            log.error("cannot read server process {}: {}", serverPid, e.getMessage());
            return 3;
        }
        System.out.print(json ? report.toJson(shard != null) : report.toText());
        System.out.flush();
        return report.clean() ? 0 : 1;
    }

    /** Runs the load and returns its figures. */
    FanoutReport run() throws IOException, InterruptedException {
        Target target = Target.parse(url);
        Target publishTarget = Target.parse(publishUrl == null ? url : publishUrl);
        require(streams > 0 && topics > 0 && rate > 0, "--streams, --topics, --rate must be positive");
        // Checked here too: a split run (--procs) hands the options to its processes without a client of its own.
        connect.validate();
        require(!duration.isNegative() && !duration.isZero() && duration.toHours() < 1, "--duration must be within (0, 1h)");
        require(stalled >= 0, "--stalled must not be negative");
        require(procs == 1 || (stalled == 0 && !socketMemory), "--stalled and --socket-memory need a single load process");
        LoadClient.requireOpenFiles(streams + stalled, " (split the run over processes: --procs)");
        String pid = serverPid == null ? null : Long.toString(serverPid);
        for (Long p : new Long[] {serverPid, brokerPid}) {
            if (p != null && !ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)) {
                throw new IllegalArgumentException("no process " + p);
            }
        }
        String prefix = topicPrefix != null ? topicPrefix
                : "load-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + "-";
        if (procs > 1) {
            require(clientWarmupUrl == null, "--client-warmup-url needs a single load process");
            return new SplitRun(this, prefix).run();
        }
        if (clientWarmupUrl != null && !clientWarmup.isZero()) {
            warmClient();
        }
        int shardIndex = 0;
        int shardCount = 1;
        if (shard != null) {
            String[] parts = shard.split("/");
            shardIndex = Integer.parseInt(parts[0]);
            shardCount = Integer.parseInt(parts[1]);
        }
        List<String> names = new ArrayList<>(topics);
        for (int t = 0; t < topics; t++) {
            names.add(prefix + (shardIndex + shardCount * t));
        }
        Recorder latency = new Recorder(3);
        LongAdder deliveries = new LongAdder();
        List<FanoutStream> all = new ArrayList<>(streams);

        LoadTokens tokens = token.tokens();
        IntFunction<String> query = tokens.streamQueries(streams, i -> names.get(i % topics));
        Timeline timeline = new Timeline(stalled);
        double stalledOpenSeconds = 0;
        try (Publisher publisher = new Publisher(publishTarget, names, tokens.publisherAuthorization(prefix + "*"), textSize,
                versionsInText);
             LoadClient client = connect.client(target, streams);
             LoadClient stalledClient = stalled == 0 ? null
                     : stalledRead ? connect.client(target, stalled)
                     : connect.stalledClient(target, stalled, stalledReceiveBuffer)) {
            long[] base = publisher.publishOnce();
            log.info("topics {}0..{}: base versions published", prefix, topics - 1);
            for (int i = 0; i < streams; i++) {
                int t = i % topics;
                all.add(new FanoutStream(t, base[t], latency, deliveries, versionsInText, unchunked));
            }
            long openStart = System.nanoTime();
            int opened = client.openStreams(streams, i -> new LoadClient.StreamSpec(
                    "/topics/" + names.get(i % topics) + "/events" + query.apply(i), null, all.get(i)),
                    openStart + timeout.toNanos());
            double openSeconds = (System.nanoTime() - openStart) / 1e9;
            log.info("{} of {} streams open in {} s; publishing {} versions/s over {} topics (warm-up {} s, measured {} s)",
                    opened, streams, String.format("%.1f", openSeconds), rate, topics, warmup.toSeconds(), duration.toSeconds());

            if (startAt != null) {
                long wait = startAt - System.currentTimeMillis();
                if (wait < 0) {
                    log.warn("streams opened {} ms after the common start: this process's window is late", -wait);
                }
                Thread.sleep(Math.max(0, wait));
            }
            long measureStart = System.nanoTime() + warmup.toNanos();
            // The publisher stops at the window's end, which the stalled streams' opening moves.
            AtomicLong stopPublishing = new AtomicLong(measureStart + duration.toNanos());
            long measureEnd = stopPublishing.get();
            Measure measure = new Measure(pid, brokerPid == null ? null : Long.toString(brokerPid), latency, deliveries, client, timeline, stalledClient,
                    socketMemory ? new SocketMemory(target.remote().getPort()) : null);
            Thread driver = new Thread(() -> {
                try {
                    publisher.run(rate, stopPublishing::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "publisher");
            driver.start();
            measure.await(measureStart, "warm-up");
            if (stalledClient != null) {
                // Opened before the window, whose end moves by the time they take: the window holds
                // what stalled readers cost, not what opening as many streams at once costs.
                long stalledStart = System.nanoTime();
                int n = stalledClient.openStreams(stalled, i -> new LoadClient.StreamSpec(
                        "/topics/" + names.get(i % topics) + "/events", null, null), stalledStart + timeout.toNanos());
                stalledOpenSeconds = (System.nanoTime() - stalledStart) / 1e9;
                log.info("{} of {} stalled streams open in {} s", n, stalled, String.format("%.1f", stalledOpenSeconds));
                measureEnd = System.nanoTime() + duration.toNanos();
                stopPublishing.set(measureEnd);
            }
            measure.begin();
            measure.await(measureEnd, "measuring");
            measure.end();
            driver.join(TimeUnit.SECONDS.toMillis(45));

            long[] last = new long[topics];
            for (int t = 0; t < topics; t++) {
                last[t] = publisher.version(t);
            }
            long drainEnd = System.nanoTime() + drain.toNanos();
            while (System.nanoTime() < drainEnd && behind(all, last) > 0) {
                Thread.sleep(50);
            }
            int behind = behind(all, last);
            // Streams are quiet now (or given up on): close them, which also publishes their ledgers
            // to this thread (the channel group's close completes after each loop has closed its channel).
            client.closeAll(Duration.ofSeconds(10));

            long lost = 0;
            long duplicated = 0;
            long outOfOrder = 0;
            long malformed = 0;
            int streamsWithErrors = 0;
            int closedByServer = 0;
            for (FanoutStream s : all) {
                VersionLedger ledger = s.ledger();
                long l = ledger.lostAtEnd(last[s.topic()]);
                lost += l;
                duplicated += ledger.duplicated();
                outOfOrder += ledger.outOfOrder();
                malformed += s.malformed();
                if (l + ledger.duplicated() + ledger.outOfOrder() > 0) {
                    streamsWithErrors++;
                }
            }
            closedByServer = client.lostCount();
            return new FanoutReport(target.url(), publishTarget.url(), serverPid == null ? -1 : serverPid, streams, opened,
                    topics, rate, client.transport(), publisher.published(), publisher.failed(),
                    measure.seconds(), measure.deliveries(), (double) streams / topics * rate,
                    measure.histogram(), lost, duplicated, outOfOrder, streamsWithErrors, behind, closedByServer,
                    malformed, client.rejectedCount() + client.failedCount(), client.reasons(),
                    measure.serverCpuSeconds(), measure.serverRss(), measure.serverCpuByThread(), measure.brokerCpuSeconds(), measure.clientCpuSeconds(),
                    stalledClient == null && !socketMemory ? null
                            : new FanoutReport.Stalled(timeline, stalledClient == null ? 0 : stalledClient.localPorts().size(),
                                    stalledClient == null ? 0 : stalledClient.lostCount(), stalledOpenSeconds));
        }
    }

    /**
     * The same load, with fresh topics, against {@link #clientWarmupUrl} for {@link #clientWarmup},
     * then thrown away: what it leaves is this JVM's compiled code. Its streams are closed before
     * the real run opens its own.
     */
    private void warmClient() throws IOException, InterruptedException {
        FanoutCommand warm = new FanoutCommand();
        warm.url = clientWarmupUrl;
        warm.connect = connect;
        warm.token = token;
        warm.streams = streams;
        warm.topics = topics;
        warm.rate = rate;
        warm.textSize = textSize;
        warm.stalledReceiveBuffer = stalledReceiveBuffer;
        warm.duration = clientWarmup;
        warm.warmup = Duration.ZERO;
        warm.drain = drain;
        warm.versionsInText = versionsInText;
        warm.unchunked = unchunked;
        warm.procs = 1;
        warm.timeout = timeout;
        FanoutReport report = warm.run();
        log.info("client warmed up against {}: {} deliveries in {} s, {} lost", clientWarmupUrl, report.deliveries(),
                clientWarmup.toSeconds(), report.lost());
    }

    /** The options of one of the {@code --procs} load processes, shard {@code k} of {@link #procs}. */
    List<String> shardArguments(int k, String prefix, long startAtMillis) {
        List<String> args = new ArrayList<>(List.of("fanout", "--json", "--url", url,
                "--streams", Integer.toString(streams / procs), "--topics", Integer.toString(topics / procs),
                "--rate", Double.toString(rate / procs), "--text-size", Integer.toString(textSize),
                "--duration", duration.toMillis() + "ms",
                "--warmup", warmup.toMillis() + "ms", "--drain", drain.toMillis() + "ms",
                "--topic-prefix", prefix, "--shard", k + "/" + procs, "--start-at", Long.toString(startAtMillis),
                "--max-connecting", Integer.toString(Math.max(1, connect.maxConnecting / procs)),
                "--ports-per-source", Integer.toString(connect.portsPerSource),
                "--timeout", timeout.toMillis() + "ms", "--connect-timeout", connect.connectTimeout.toMillis() + "ms"));
        if (publishUrl != null) {
            args.addAll(List.of("--publish-url", publishUrl));
        }
        if (versionsInText) {
            args.add("--versions-in-text");
        }
        if (unchunked) {
            args.add("--unchunked");
        }
        args.addAll(token.arguments());
        return args;
    }

    /** Streams whose last version is below their topic's last published one. */
    private static int behind(List<FanoutStream> streams, long[] last) {
        int n = 0;
        for (FanoutStream s : streams) {
            if (!s.isClosed() && s.ledger().last() < last[s.topic()]) {
                n++;
            }
        }
        return n;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * The measured window: latency, deliveries, server and client CPU; a {@link Timeline} tick every
     * 500 ms (with the stalled streams open and, given a sampler, the kernel memory); progress lines.
     */
    private static final class Measure {
        private final String pid;
        /** The broker's pid, null without one. */
        private final String brokerPid;
        private final Recorder latency;
        private final LongAdder deliveries;
        private final LoadClient client;
        private final Timeline timeline;
        private final LoadClient stalledClient;
        private final SocketMemory socketMemory;
        private final Histogram total = new Histogram(3);
        private final Histogram sinceProgress = new Histogram(3);
        private Histogram interval;
        private long nextTick = System.nanoTime() + TICK_NANOS;
        private long tickDeliveries;
        private long startNanos;
        private long endNanos;
        private long deliveriesStart;
        private long deliveriesEnd;
        private long serverTicksStart;
        private long serverTicksEnd;
        private Map<String, Long> threadsStart = Map.of();
        private Map<String, Double> serverCpuByThread = Map.of();
        private long brokerTicksStart;
        private long brokerTicksEnd;
        private long clientTicksStart;
        private long clientTicksEnd;
        private long rss;
        private boolean measuring;
        private long lastProgressDeliveries;
        private long lastProgressNanos = System.nanoTime();

        Measure(String pid, String brokerPid, Recorder latency, LongAdder deliveries, LoadClient client, Timeline timeline,
                LoadClient stalledClient, SocketMemory socketMemory) {
            this.pid = pid;
            this.brokerPid = brokerPid;
            this.latency = latency;
            this.deliveries = deliveries;
            this.client = client;
            this.timeline = timeline;
            this.stalledClient = stalledClient;
            this.socketMemory = socketMemory;
        }

        /** Sleeps until {@code untilNanos}, ticking every 500 ms and logging progress every few seconds. */
        void await(long untilNanos, String phase) throws InterruptedException, IOException {
            while (true) {
                long now = System.nanoTime();
                if (now - untilNanos >= 0) {
                    return;
                }
                long next = Math.min(untilNanos, nextTick);
                if (next - now > 0) {
                    TimeUnit.NANOSECONDS.sleep(next - now);
                }
                if (System.nanoTime() - nextTick >= 0) {
                    nextTick += TICK_NANOS;
                    tick();
                }
                if (System.nanoTime() - (lastProgressNanos + PROGRESS_NANOS) >= 0) {
                    progress(phase);
                }
            }
        }

        /** Takes the latency since the last tick into the window's figures. */
        private void tick() throws IOException, InterruptedException {
            interval = latency.getIntervalHistogram(interval);
            sinceProgress.add(interval);
            if (measuring) {
                total.add(interval);
                long d = deliveries.sum();
                timeline.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), d - tickDeliveries, interval,
                        stalledClient == null ? 0 : stalledClient.openCount(),
                        socketMemory == null ? null
                                : socketMemory.sample(stalledClient == null ? Set.of() : stalledClient.localPorts()));
                tickDeliveries = d;
            }
        }

        private void progress(String phase) {
            long now = System.nanoTime();
            long d = deliveries.sum();
            log.info("{}: {} deliveries/s, latency p50 {} µs p99 {} µs max {} µs, {} streams open, {} closed by the server{}",
                    phase, Math.round((d - lastProgressDeliveries) * 1e9 / (now - lastProgressNanos)),
                    sinceProgress.getValueAtPercentile(50), sinceProgress.getValueAtPercentile(99), sinceProgress.getMaxValue(),
                    client.openCount(), client.lostCount(), stalledClient == null ? ""
                            : "; stalled " + stalledClient.openCount() + " open, " + stalledClient.lostCount() + " closed by the server");
            sinceProgress.reset();
            lastProgressDeliveries = d;
            lastProgressNanos = now;
        }

        void begin() throws IOException, InterruptedException {
            tick();
            measuring = true;
            startNanos = System.nanoTime();
            nextTick = startNanos + TICK_NANOS;
            deliveriesStart = deliveries.sum();
            tickDeliveries = deliveriesStart;
            serverTicksStart = pid == null ? 0 : ServerProbe.cpuTicks(pid);
            threadsStart = pid == null ? Map.of() : ServerProbe.cpuTicksByThreadKind(pid);
            brokerTicksStart = brokerPid == null ? 0 : ServerProbe.cpuTicks(brokerPid);
            clientTicksStart = ServerProbe.cpuTicks("self");
        }

        void end() throws IOException, InterruptedException {
            tick();
            endNanos = System.nanoTime();
            deliveriesEnd = deliveries.sum();
            serverTicksEnd = pid == null ? 0 : ServerProbe.cpuTicks(pid);
            serverCpuByThread = pid == null ? Map.of()
                    : ServerProbe.secondsByThreadKind(threadsStart, ServerProbe.cpuTicksByThreadKind(pid));
            brokerTicksEnd = brokerPid == null ? 0 : ServerProbe.cpuTicks(brokerPid);
            clientTicksEnd = ServerProbe.cpuTicks("self");
            rss = pid == null ? -1 : ServerProbe.rssBytes(pid);
            measuring = false;
        }

        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }

        long deliveries() {
            return deliveriesEnd - deliveriesStart;
        }

        Histogram histogram() {
            return total;
        }

        double serverCpuSeconds() {
            return pid == null ? -1 : (double) (serverTicksEnd - serverTicksStart) / ServerProbe.clockTicksPerSecond();
        }

        Map<String, Double> serverCpuByThread() {
            return serverCpuByThread;
        }

        double brokerCpuSeconds() {
            return brokerPid == null ? -1 : (double) (brokerTicksEnd - brokerTicksStart) / ServerProbe.clockTicksPerSecond();
        }

        long serverRss() {
            return rss;
        }

        double clientCpuSeconds() {
            return (double) (clientTicksEnd - clientTicksStart) / ServerProbe.clockTicksPerSecond();
        }
    }
}
