package io.pushgate.bench.load;

import io.netty.channel.ChannelFuture;
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
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * {@code feed}: the exactly-once check of feeds across forced reconnects, and the appends/s
 * ceiling. Appends one event to each of F fresh feeds and opens N streams after it (stream i reads
 * feed i % F, with its first event's id as {@code Last-Event-ID}), appends at a rate (or
 * as fast as 64 appends in flight allow: {@code --rate max}) while cutting streams at random and
 * reopening each at once with the last event id it saw, as a browser's {@code EventSource} does
 * after a network drop; streams the server ends are reopened the same way. Then every stream must
 * have seen every event of its feed exactly once, in order, and no {@code pushgate.reset}. Figures
 * are recorded in {@code bench/RESULTS.md}, "Feeds".
 *
 * <p>A cut stream's events appended while it is away come back by replay: the node's
 * {@code --feed-cap} must hold more than the appends of a feed during one reconnect, or the
 * server rightly answers with a reset (which this check counts as a violation).
 *
 * <p>Exit status: 0 when every stream opened, every append was answered and every stream saw
 * every event once, in order, without a reset; 1 otherwise; 3 when the server's /proc could not be read.
 */
@Command(name = "feed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Append to F feeds read by N streams cut and reopened at random with Last-Event-ID; "
                + "check every stream saw every event once, in order.")
final class FeedCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(FeedCommand.class);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(3);

    @Option(names = "--url", required = true, description = "The server the streams read, e.g. http://127.0.0.1:8080 (loopback only).")
    String url;

    @Mixin
    ConnectOptions connect;

    @Mixin
    TokenOptions token;

    @Option(names = "--append-url", description = "Where to POST events (default: --url), e.g. another node of the same Redis.")
    String appendUrl;

    @Option(names = "--streams", required = true, description = "Streams to open; stream i reads feed i %% F.")
    int streams;

    @Option(names = "--feeds", defaultValue = "1", description = "Feeds (default: ${DEFAULT-VALUE}).")
    int feeds;

    @Option(names = "--feeds-per-stream", defaultValue = "1",
            description = "Feeds each stream reads: stream i reads feeds i, i+1, … (mod F); more than one makes it a stream "
                    + "of /events?feed=…&feed=…, resumed with the server's list of cursors (default: ${DEFAULT-VALUE}).")
    int feedsPerStream;

    @Option(names = "--rate", defaultValue = "100",
            description = "Appends per second over all feeds, or max: as fast as 64 appends in flight are answered "
                    + "(the ceiling) (default: ${DEFAULT-VALUE}).")
    String rate;

    @Option(names = "--reconnects", defaultValue = "10",
            description = "Streams cut per second over all streams, each reopened at once with its last event id "
                    + "(default: ${DEFAULT-VALUE}).")
    double reconnects;

    @Option(names = "--text-size", defaultValue = "0", converter = SizeConverter.class,
            description = "Length of each appended text, e.g. 1KiB (default: the shortest, its append time and a word).")
    int textSize;

    @Option(names = "--duration", defaultValue = "15s", converter = DurationConverter.class,
            description = "How long to append (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--drain", defaultValue = "10s", converter = DurationConverter.class,
            description = "After the last append, how long streams may take to reach their feed's last event (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--server-pid", description = "Process id of the server, for its CPU time while appending.")
    Long serverPid;

    @Option(names = "--feed-prefix", description = "Feed names are <prefix><i>, feeds never appended to (default: a random prefix per run).")
    String feedPrefix;

    @Option(names = "--seed", description = "Seed of the choice of streams to cut (default: random).")
    Long seed;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Option(names = "--timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "Give up opening streams after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        FeedReport report;
        try {
            report = run();
        } catch (IOException e) {
            log.error("cannot read server process {}: {}", serverPid, e.getMessage());
            return 3;
        }
        System.out.print(json ? report.toJson() : report.toText());
        System.out.flush();
        return report.clean() ? 0 : 1;
    }

    /** Runs the load and returns its figures. */
    FeedReport run() throws IOException, InterruptedException {
        Target target = Target.parse(url);
        Target appendTarget = Target.parse(appendUrl == null ? url : appendUrl);
        double appendRate = "max".equals(rate) ? Double.POSITIVE_INFINITY : Double.parseDouble(rate);
        require(streams > 0 && feeds > 0 && appendRate > 0, "--streams, --feeds and --rate must be positive");
        require(feedsPerStream > 0 && feedsPerStream <= feeds, "--feeds-per-stream must be within 1..--feeds");
        require(reconnects >= 0, "--reconnects must not be negative");
        require(!duration.isNegative() && !duration.isZero() && duration.toHours() < 1, "--duration must be within (0, 1h)");
        LoadClient.requireOpenFiles(streams, "");
        String pid = serverPid == null ? null : Long.toString(serverPid);
        String prefix = feedPrefix != null ? feedPrefix
                : "feed-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + "-";
        List<String> names = new ArrayList<>(feeds);
        for (int f = 0; f < feeds; f++) {
            names.add(prefix + f);
        }
        LoadTokens tokens = token.tokens();
        // A stream of several feeds is granted them all, by the run's prefix.
        IntFunction<String> query = tokens.streamQueries(streams,
                i -> feedsPerStream == 1 ? names.get(i % feeds) : prefix + "*");
        IntFunction<String> path = i -> {
            if (feedsPerStream == 1) {
                return "/feeds/" + names.get(i % feeds) + "/events" + query.apply(i);
            }
            StringBuilder p = new StringBuilder("/events");
            for (int k = 0; k < feedsPerStream; k++) {
                p.append(k == 0 ? "?feed=" : "&feed=").append(names.get((i + k) % feeds));
            }
            String q = query.apply(i);
            return p.append(q.isEmpty() ? "" : "&" + q.substring(1)).toString();
        };
        Recorder latency = new Recorder(3);
        LongAdder deliveries = new LongAdder();
        List<FeedStream> all = new ArrayList<>(streams);
        Random random = seed == null ? new Random() : new Random(seed);
        // Every cut opens a connection on a new port; the ports of cut ones wait in TIME_WAIT.
        long connections = streams + (long) Math.ceil(reconnects * (duration.toSeconds() + drain.toSeconds() + 1)) + streams;
        try (Publisher appender = new Publisher(Publisher.Kind.FEED, appendTarget, names,
                     tokens.publisherAuthorization(prefix + "*"), textSize);
             LoadClient client = connect.client(target, (int) Math.min(Integer.MAX_VALUE, connections))) {
            // Each feed's first event, and every stream opened after it with its id: the stream must
            // then get every later one, however late its subscription takes hold on the server.
            String[] first = FeedStream.firstEvents(appender, names);
            for (int i = 0; i < streams; i++) {
                int[] read = new int[feedsPerStream];
                StringBuilder cursors = new StringBuilder();
                for (int k = 0; k < feedsPerStream; k++) {
                    read[k] = (i + k) % feeds;
                    // One feed: its own id; several: the list form the server sends them in.
                    cursors.append(k == 0 ? "" : ",").append(feedsPerStream == 1 ? "" : names.get(read[k]) + "/")
                            .append(first[read[k]]);
                }
                all.add(new FeedStream(read, 1, cursors.toString(), latency, deliveries));
            }
            long openStart = System.nanoTime();
            int opened = client.openStreams(streams, i -> {
                FeedStream s = all.get(i);
                StreamBody body = s.connect();
                return new LoadClient.StreamSpec(path.apply(i), s.resumeId(), body);
            }, openStart + timeout.toNanos());
            log.info("{} of {} streams open in {} s; appending {}/s to {} feeds for {} s, cutting {} streams/s",
                    opened, streams, String.format("%.1f", (System.nanoTime() - openStart) / 1e9), rate, feeds,
                    duration.toSeconds(), reconnects);

            Reconnects cuts = new Reconnects(client, all, path, random);
            long start = System.nanoTime();
            long stop = start + duration.toNanos();
            long cpuStart = pid == null ? 0 : ServerProbe.cpuTicks(pid);
            Thread driver = new Thread(() -> {
                try {
                    appender.run(appendRate, () -> stop);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "appender");
            driver.start();
            long nextProgress = start + PROGRESS_NANOS;
            for (long tick = start + TICK_NANOS; System.nanoTime() - stop < 0; tick += TICK_NANOS) {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, tick - System.nanoTime()));
                long due = (long) (reconnects * (System.nanoTime() - start) / 1e9);
                cuts.tick(due, timeout);
                if (System.nanoTime() - nextProgress >= 0) {
                    nextProgress += PROGRESS_NANOS;
                    log.info("{} appended, {} deliveries, {} streams cut, {} reopened after the server closed them",
                            appender.published(), deliveries.sum(), cuts.cut, cuts.reopenedAfterClose);
                }
            }
            driver.join(TimeUnit.SECONDS.toMillis(45));
            double appendSeconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = pid == null ? -1
                    : (double) (ServerProbe.cpuTicks(pid) - cpuStart) / ServerProbe.clockTicksPerSecond();
            long[] last = new long[feeds];
            for (int f = 0; f < feeds; f++) {
                last[f] = appender.version(f);
            }
            long drainEnd = System.nanoTime() + drain.toNanos();
            while (System.nanoTime() - drainEnd < 0 && FeedStream.behind(all, last) > 0) {
                cuts.tick(cuts.cut, timeout);
                Thread.sleep(50);
            }
            int behind = FeedStream.behind(all, last);
            client.closeAll(Duration.ofSeconds(10));

            FeedStream.Tally tally = FeedStream.Tally.of(all, last);
            int otherEpoch = 0;
            for (FeedStream s : all) {
                if (!s.onEpochs(names, appender::epoch)) {
                    otherEpoch++;
                }
            }
            Histogram histogram = latency.getIntervalHistogram();
            return new FeedReport(target.url(), appendTarget.url(), streams, opened, feeds, feedsPerStream, rate,
                    appender.published(),
                    appender.failed(), appendSeconds, deliveries.sum(), histogram, cuts.cut, cuts.reopenedAfterClose,
                    cuts.notReopened, tally, otherEpoch, behind, cpuSeconds);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * The cuts and reopens, on the driving thread: each tick cuts streams at random (among those
     * open) until {@code due} were cut, waits for their close and reopens them with their last
     * event id, together with any stream the server closed or that did not open.
     */
    private static final class Reconnects {
        private final LoadClient client;
        private final List<FeedStream> all;
        private final IntFunction<String> path;
        private final Random random;
        private long cut;
        private long reopenedAfterClose;
        private long notReopened;

        Reconnects(LoadClient client, List<FeedStream> all, IntFunction<String> path, Random random) {
            this.client = client;
            this.all = all;
            this.path = path;
            this.random = random;
        }

        void tick(long due, Duration timeout) throws InterruptedException {
            List<Integer> reopen = new ArrayList<>();
            List<ChannelFuture> closing = new ArrayList<>();
            // A bounded number of draws: with few streams open and seen, fewer are cut this tick.
            for (int draws = 0; cut < due && draws < 4 * (due - cut) + 10; draws++) {
                int i = random.nextInt(all.size());
                FeedStream s = all.get(i);
                if (reopen.contains(i)) {
                    continue;
                }
                ChannelFuture closed = s.cut(client);
                if (closed != null) {
                    closing.add(closed);
                    reopen.add(i);
                    cut++;
                }
            }
            for (ChannelFuture f : closing) {
                f.awaitUninterruptibly(timeout.toMillis());
            }
            for (int i = 0; i < all.size(); i++) {
                FeedStream s = all.get(i);
                if (!reopen.contains(i) && !s.isOpen()) {
                    reopen.add(i);
                    if (s.isClosed()) {
                        reopenedAfterClose++;
                    }
                }
            }
            if (reopen.isEmpty()) {
                return;
            }
            int opened = client.openStreams(reopen.size(), k -> {
                FeedStream s = all.get(reopen.get(k));
                StreamBody body = s.connect();
                return new LoadClient.StreamSpec(path.apply(reopen.get(k)), s.resumeId(), body);
            }, System.nanoTime() + timeout.toNanos());
            notReopened += reopen.size() - opened;
        }
    }
}
