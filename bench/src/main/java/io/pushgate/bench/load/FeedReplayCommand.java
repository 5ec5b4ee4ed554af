package io.pushgate.bench.load;

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
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * {@code feed-replay}: N streams come back at once, each E events behind, as after a node restart
 * behind a load balancer while a feed moved on. Appends E+1 events to each of F fresh feeds, then
 * opens N streams (stream i on feed i % F) all at once with {@code Last-Event-ID} = the id of their
 * feed's first event, so each must be sent the E events after it by replay, then live. Measures the
 * time until all are open and until all have caught up, and checks that each saw every event
 * once, in order, without a reset. Figures are recorded in {@code bench/RESULTS.md}, "Feeds".
 *
 * <p>The node's {@code --feed-cap} must hold E events (the default 1,000 does for E = 1,000).
 *
 * <p>Exit status: 0 when every stream opened and caught up with every event once, in order; 1
 * otherwise; 3 when the server's /proc could not be read.
 */
@Command(name = "feed-replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Open N streams at once, each E events behind on its feed; time until all are caught up.")
final class FeedReplayCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(FeedReplayCommand.class);

    @Option(names = "--url", required = true, description = "The gateway, e.g. http://127.0.0.1:8080 (loopback only).")
    String url;

    @Mixin
    ConnectOptions connect;

    @Mixin
    TokenOptions token;

    @Option(names = "--streams", defaultValue = "1000", description = "Streams; stream i reads feed i %% F (default: ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--events", defaultValue = "1000", description = "Events each stream is behind (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--feeds", defaultValue = "1", description = "Feeds (default: ${DEFAULT-VALUE}).")
    int feeds;

    @Option(names = "--text-size", defaultValue = "0", converter = SizeConverter.class,
            description = "Length of each appended text (default: the shortest, its append time and a word).")
    int textSize;

    @Option(names = "--server-pid", description = "Process id of the server, for its CPU time during the replay.")
    Long serverPid;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Option(names = "--timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "Bound of each phase (append, open, catch up) (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /** The figures of one run. */
    record Result(String url, int streams, int feeds, int events, int opened, double secondsUntilOpen,
                  double secondsUntilCaughtUp, int behind, FeedStream.Tally tally, double serverCpuSeconds) {

        boolean clean() {
            return opened == streams && behind == 0 && tally.clean();
        }

        String toText() {
            return String.format(Locale.ROOT, "feed-replay %s: %d streams over %d feeds, each %d events behind%n"
                            + "  open            %d of %d with Last-Event-ID after %.3f s%n"
                            + "  caught up       all after %.3f s (%.0f events/s replayed); %d behind at the end%n"
                            + "  lost %d  duplicated %d  out-of-order %d  resets %d  malformed %d%n"
                            + "  server CPU      %.2f s during the replay%n"
                            + "  verdict         %s%n",
                    url, streams, feeds, events, opened, streams, secondsUntilOpen, secondsUntilCaughtUp,
                    (double) streams * events / secondsUntilCaughtUp, behind, tally.lost(), tally.duplicated(),
                    tally.outOfOrder(), tally.resets(), tally.malformed(), serverCpuSeconds, clean() ? "every stream caught up, every event once, in order" : "NOT CLEAN");
        }

        String toJson() {
            StringBuilder s = new StringBuilder("{\n");
            JsonText.field(s, "command", "feed-replay", 3);
            JsonText.field(s, "url", url, 3);
            JsonText.field(s, "streams", streams, 3);
            JsonText.field(s, "feeds", feeds, 3);
            JsonText.field(s, "events", events, 3);
            JsonText.field(s, "opened", opened, 3);
            JsonText.field(s, "seconds_until_open", secondsUntilOpen, 3);
            JsonText.field(s, "seconds_until_caught_up", secondsUntilCaughtUp, 3);
            JsonText.field(s, "behind", behind, 3);
            JsonText.field(s, "lost", tally.lost(), 3);
            JsonText.field(s, "duplicated", tally.duplicated(), 3);
            JsonText.field(s, "out_of_order", tally.outOfOrder(), 3);
            JsonText.field(s, "resets", tally.resets(), 3);
            JsonText.field(s, "malformed", tally.malformed(), 3);
            JsonText.field(s, "server_cpu_seconds", serverCpuSeconds, 2);
            return s.append("  \"clean\": ").append(clean()).append("\n}\n").toString();
        }
    }

    @Override
    public Integer call() throws Exception {
        Result result;
        try {
            result = run();
        } catch (IOException e) {
            log.error("cannot read server process {}: {}", serverPid, e.getMessage());
            return 3;
        }
        System.out.print(json ? result.toJson() : result.toText());
        System.out.flush();
        return result.clean() ? 0 : 1;
    }

    Result run() throws IOException, InterruptedException {
        Target target = Target.parse(url);
        if (streams <= 0 || events <= 0 || feeds <= 0) {
            throw new IllegalArgumentException("--streams, --events and --feeds must be positive");
        }
        LoadClient.requireOpenFiles(streams, "");
        String pid = serverPid == null ? null : Long.toString(serverPid);
        String prefix = "replay-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + "-";
        List<String> names = new ArrayList<>(feeds);
        for (int f = 0; f < feeds; f++) {
            names.add(prefix + f);
        }
        LoadTokens tokens = token.tokens();
        IntFunction<String> query = tokens.streamQueries(streams, i -> names.get(i % feeds));
        Recorder latency = new Recorder(3);
        LongAdder deliveries = new LongAdder();
        try (Publisher appender = new Publisher(Publisher.Kind.FEED, target, names,
                     tokens.publisherAuthorization(prefix + "*"), textSize);
             LoadClient client = connect.client(target, streams)) {
            String[] cursors = FeedStream.firstEvents(appender, names);
            long appendEnd = System.nanoTime() + timeout.toNanos();
            for (int e = 0; e < events && System.nanoTime() - appendEnd < 0; e++) {
                appender.publishOnce();
            }
            long[] last = new long[feeds];
            for (int f = 0; f < feeds; f++) {
                last[f] = appender.version(f);
            }
            log.info("{} feeds at event {} after {}; {} streams reopen from there", feeds, last[0], cursors[0], streams);
            List<FeedStream> all = new ArrayList<>(streams);
            for (int i = 0; i < streams; i++) {
                all.add(new FeedStream(new int[] {i % feeds}, 1, cursors[i % feeds], latency, deliveries));
            }

            long cpuStart = pid == null ? 0 : ServerProbe.cpuTicks(pid);
            long start = System.nanoTime();
            int opened = client.openStreams(streams, i -> {
                FeedStream s = all.get(i);
                StreamBody body = s.connect();
                return new LoadClient.StreamSpec("/feeds/" + names.get(i % feeds) + "/events" + query.apply(i),
                        s.resumeId(), body);
            }, start + timeout.toNanos());
            double openSeconds = (System.nanoTime() - start) / 1e9;
            long deadline = System.nanoTime() + timeout.toNanos();
            int behind;
            while ((behind = FeedStream.behind(all, last)) > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            double caughtUpSeconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = pid == null ? -1
                    : (double) (ServerProbe.cpuTicks(pid) - cpuStart) / ServerProbe.clockTicksPerSecond();
            // Let anything sent twice arrive before counting.
            Thread.sleep(300);
            client.closeAll(Duration.ofSeconds(30));
            FeedStream.Tally tally = FeedStream.Tally.of(all, last);
            return new Result(target.url(), streams, feeds, events, opened, openSeconds, caughtUpSeconds, behind, tally,
                    cpuSeconds);
        }
    }
}
