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
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * {@code reconnect-storm}: all streams drop at once and come back with {@code Last-Event-ID}, as
 * after a node restart behind a load balancer. Opens N streams over T topics, waits until each
 * holds its topic's version, closes them all, publishes a new version to every even topic, and
 * reopens every stream with the id it last saw. Measures the time until all are open again and
 * until all hold their topic's latest version, and checks the resume rule: a stream of a topic
 * that moved on gets exactly the latest version, one whose id is current gets nothing resent.
 * With a token option every stream carries its own token (minted before the first open) and
 * comes back with it, as a browser's EventSource does: the storm then includes each token's check.
 * Figures are recorded in {@code bench/RESULTS.md}, "Reconnect storm".
 *
 * <p>Exit status: 0 when every stream came back and ended with the latest version and nothing was
 * resent needlessly, 1 otherwise.
 */
@Command(name = "reconnect-storm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Drop all streams and reopen them with Last-Event-ID; time until all are back and current.")
final class ReconnectStormCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ReconnectStormCommand.class);

    @Option(names = "--url", required = true, description = "The gateway, e.g. http://127.0.0.1:8080 (loopback only).")
    String url;

    @Mixin
    ConnectOptions connect;

    @Mixin
    TokenOptions token;

    @Option(names = "--streams", required = true, description = "Streams; stream i reads topic i %% T.")
    int streams;

    @Option(names = "--topics", defaultValue = "10", description = "Topics (default: ${DEFAULT-VALUE}).")
    int topics;

    @Option(names = "--server-pid", description = "Process id of the server, for its CPU time during the storm.")
    Long serverPid;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    boolean json;

    @Option(names = "--timeout", defaultValue = "120s", converter = DurationConverter.class,
            description = "Bound of each phase (open, settle, storm) (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        Target target = Target.parse(url);
        if (streams <= 0 || topics <= 0) {
            throw new IllegalArgumentException("--streams and --topics must be positive");
        }
        LoadClient.requireOpenFiles(streams, "");
        String pid = serverPid == null ? null : Long.toString(serverPid);
        String prefix = "storm-" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + "-";
        List<String> names = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
            names.add(prefix + t);
        }
        LoadTokens tokens = token.tokens();
        IntFunction<String> query = tokens.streamQueries(streams, i -> names.get(i % topics));
        IntFunction<String> path = i -> "/topics/" + names.get(i % topics) + "/events" + query.apply(i);
        Recorder unused = new Recorder(3);
        LongAdder deliveries = new LongAdder();
        try (Publisher publisher = new Publisher(target, names, tokens.publisherAuthorization(prefix + "*"), 0, false);
             // The streams' ports are opened twice: the first ones are in TIME_WAIT when the storm comes.
             LoadClient client = connect.client(target, 2 * streams)) {
            long[] base = publisher.publishOnce();
            List<FanoutStream> before = new ArrayList<>(streams);
            for (int i = 0; i < streams; i++) {
                before.add(new FanoutStream(i % topics, base[i % topics] - 1, unused, deliveries));
            }
            int opened = client.openStreams(streams, i -> new LoadClient.StreamSpec(path.apply(i), null, before.get(i)),
                    System.nanoTime() + timeout.toNanos());
            awaitCurrent(before, base, System.nanoTime() + timeout.toNanos());
            List<String> ids = new ArrayList<>(streams);
            for (FanoutStream s : before) {
                ids.add(s.parser().lastEventId());
            }
            log.info("{} streams open and current; dropping them all", opened);
            client.closeAll(Duration.ofSeconds(30));

            // Half the topics move on while the streams are away.
            for (int t = 0; t < topics; t += 2) {
                publisher.publishOne(t);
            }
            long[] latest = new long[topics];
            for (int t = 0; t < topics; t++) {
                latest[t] = publisher.version(t);
            }

            List<FanoutStream> after = new ArrayList<>(streams);
            for (int i = 0; i < streams; i++) {
                int t = i % topics;
                after.add(new FanoutStream(t, before.get(i).ledger().last(), unused, deliveries));
            }
            long cpuStart = pid == null ? 0 : ServerProbe.cpuTicks(pid);
            Map<String, Long> threadsStart = pid == null ? Map.of() : ServerProbe.cpuTicksByThreadKind(pid);
            long start = System.nanoTime();
            int reopened = client.openStreams(streams, i -> new LoadClient.StreamSpec(path.apply(i), ids.get(i), after.get(i)),
                    start + timeout.toNanos());
            double backSeconds = (System.nanoTime() - start) / 1e9;
            int stale = awaitCurrent(after, latest, System.nanoTime() + timeout.toNanos());
            double currentSeconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = pid == null ? -1
                    : (double) (ServerProbe.cpuTicks(pid) - cpuStart) / ServerProbe.clockTicksPerSecond();
            String threads = pid == null ? "" : byThreadKind(threadsStart, ServerProbe.cpuTicksByThreadKind(pid), json);
            // Let anything sent needlessly arrive before counting.
            Thread.sleep(500);
            client.closeAll(Duration.ofSeconds(30));
            long resent = 0;
            long extra = 0;
            for (FanoutStream s : after) {
                long events = s.parser().events();
                boolean moved = s.topic() % 2 == 0;
                if (!moved) {
                    resent += events;
                } else if (events > 1) {
                    extra += events - 1;
                }
            }
            double cpuMicrosPerReconnect = cpuSeconds < 0 || reopened == 0 ? -1 : cpuSeconds * 1e6 / reopened;
            boolean clean = opened == streams && reopened == streams && stale == 0 && resent == 0 && extra == 0;
            String result = json
                    ? String.format(Locale.ROOT, "{\n  \"command\": \"reconnect-storm\",\n  \"url\": \"%s\",\n  \"streams\": %d,\n"
                            + "  \"topics\": %d,\n  \"tokens\": \"%s\",\n  \"opened\": %d,\n  \"reopened\": %d,\n  \"seconds_until_open\": %.3f,\n"
                            + "  \"seconds_until_current\": %.3f,\n  \"stale_at_end\": %d,\n  \"resent_needlessly\": %d,\n"
                            + "  \"extra_events\": %d,\n  \"server_cpu_seconds\": %.2f,\n"
                            + "  \"server_cpu_us_per_reconnect\": %.1f,\n  \"server_cpu_seconds_by_thread\": {%s},\n"
                            + "  \"clean\": %b\n}\n",
                            target.url(), streams, topics, tokens.description(), opened, reopened, backSeconds, currentSeconds, stale, resent,
                            extra, cpuSeconds, cpuMicrosPerReconnect, threads, clean)
                    : String.format(Locale.ROOT, "reconnect-storm %s: %d streams over %d topics, tokens: %s%n"
                            + "  reopened        %d of %d with Last-Event-ID, all open after %.3f s (%.0f/s)%n"
                            + "  current         all with their topic's latest version after %.3f s; %d stale at the end%n"
                            + "  resume rule     %d events resent to streams whose id was current, %d extra events to the others%n"
                            + "  server CPU      %.2f s during the storm, %.1f µs per reconnect; by thread: %s%n"
                            + "  verdict         %s%n",
                            target.url(), streams, topics, tokens.description(), reopened, streams, backSeconds, reopened / backSeconds,
                            currentSeconds, stale, resent, extra, cpuSeconds, cpuMicrosPerReconnect, threads,
                            clean ? "every stream back and current, nothing resent" : "NOT CLEAN");
            System.out.print(result);
            System.out.flush();
            return clean ? 0 : 1;
        } catch (IOException e) {
            log.error("cannot read server process {}: {}", serverPid, e.getMessage());
            return 3;
        }
    }

    /**
     * The server's CPU seconds between two readings by thread kind, most first, those of at least
     * 10 ms: {@code "kind": s, …} for JSON, {@code kind s, …} for text. Says where a storm's CPU
     * goes: the event loops, the JIT compilers, the collector.
     */
    private static String byThreadKind(Map<String, Long> start, Map<String, Long> end, boolean json) {
        return ServerProbe.secondsByThreadKind(start, end).entrySet().stream()
                .map(e -> json ? JsonText.quote(e.getKey()) + ": " + JsonText.number(e.getValue(), 2)
                        : String.format(Locale.ROOT, "%s %.2f s", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** Waits until every open stream holds its topic's version in {@code latest}; returns how many do not. */
    private static int awaitCurrent(List<FanoutStream> streams, long[] latest, long deadlineNanos) throws InterruptedException {
        while (true) {
            int stale = 0;
            for (FanoutStream s : streams) {
                if (s.ledger().last() < latest[s.topic()]) {
                    stale++;
                }
            }
            if (stale == 0 || System.nanoTime() - deadlineNanos >= 0) {
                return stale;
            }
            Thread.sleep(5);
        }
    }
}
