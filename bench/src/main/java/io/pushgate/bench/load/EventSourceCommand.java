package io.pushgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code eventsource}: N streams that behave like browsers' {@code EventSource}s
 * ({@link EventSourceStream}) and stay until SIGTERM or {@code --duration}: the client of
 * {@code deploy/smoke/crash.sh} at sizes a Python client cannot drive. Logs every happening in
 * {@code sse_client.py}'s format ({@code --log}), and with {@code --latency-log} a line per second
 * of the publish→receive latency of events whose text starts with Unix microseconds. Figures are
 * recorded in {@code bench/RESULTS.md}, "Crash of a node behind nginx (issue 13)".
 *
 * <p>Exit status 0 (the script judges the log).
 */
@Command(name = "eventsource", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Hold N EventSource-like streams (reconnect after retry:, Last-Event-ID) until SIGTERM; log what happens.")
final class EventSourceCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(EventSourceCommand.class);

    @Option(names = "--url", required = true, description = "Streams' URL with {n} for the topic number, "
            + "e.g. http://127.0.0.1:8080/topics/t{n}/events (loopback only).")
    String url;

    @Mixin
    ConnectOptions connect;

    @Option(names = "--streams", required = true, description = "Streams; stream i reads topic i %% T.")
    int streams;

    @Option(names = "--topics", defaultValue = "1", description = "Topics (default: ${DEFAULT-VALUE}).")
    int topics;

    @Option(names = "--first-index", defaultValue = "0", description = "Index of the first stream in the log (default: ${DEFAULT-VALUE}).")
    int firstIndex;

    @Option(names = "--open-rate", defaultValue = "2000", description = "Streams opened per second at the start (default: ${DEFAULT-VALUE}).")
    int openRate;

    @Option(names = "--log", required = true, description = "The happenings, one tab-separated line each.")
    Path logFile;

    @Option(names = "--latency-log", description = "Per second: <time> <events> <p50 ms> <p99 ms> <max ms> of timestamped events.")
    Path latencyFile;

    @Option(names = "--duration", defaultValue = "10m", converter = DurationConverter.class,
            description = "Stop after this long at the latest (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        if (streams <= 0 || topics <= 0 || openRate <= 0) {
            throw new IllegalArgumentException("--streams, --topics and --open-rate must be positive");
        }
        int hostEnd = url.indexOf('/', url.indexOf("//") + 2);
        Target target = Target.parse(hostEnd < 0 ? url : url.substring(0, hostEnd));
        String pathTemplate = hostEnd < 0 ? "/" : url.substring(hostEnd);
        LoadClient.requireOpenFiles(streams, "");
        // Each stream may reconnect a few times while its earlier ports sit in TIME_WAIT.
        List<InetAddress> sources = connect.sources(target, 4 * streams);
        AtomicLong attempts = new AtomicLong();
        int perSource = connect.portsPerSource;

        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connect.connectTimeout.toMillis());
        Recorder latency = new Recorder(3);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        // SIGTERM: stop the loop below and give it a moment to close the streams and the log.
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                done.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "eventsource-stop");
        List<EventSourceStream> all = new ArrayList<>(streams);
        try (EventLog events = new EventLog(logFile);
             BufferedWriter latencyOut = latencyFile == null ? null
                     : Files.newBufferedWriter(latencyFile, StandardCharsets.UTF_8)) {
            Runtime.getRuntime().addShutdownHook(hook);
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            long nextSecond = start + TimeUnit.SECONDS.toNanos(1);
            for (int i = 0; i < streams; i++) {
                String path = pathTemplate.replace("{n}", Integer.toString(i % topics));
                EventSourceStream stream = new EventSourceStream(firstIndex + i, path, target.hostHeader(), bootstrap,
                        target.remote(), () -> new InetSocketAddress(
                                sources.get((int) (attempts.getAndIncrement() / perSource % sources.size())), 0),
                        events, latency);
                all.add(stream);
            }
            int opened = 0;
            Histogram interval = null;
            while (stop.getCount() > 0 && System.nanoTime() - end < 0) {
                long now = System.nanoTime();
                int due = (int) Math.min(streams, (now - start) * openRate / 1_000_000_000L + 1);
                for (; opened < due; opened++) {
                    all.get(opened).connect();
                }
                events.flush();
                if (now - nextSecond >= 0) {
                    nextSecond += TimeUnit.SECONDS.toNanos(1);
                    interval = latency.getIntervalHistogram(interval);
                    if (latencyOut != null && interval.getTotalCount() > 0) {
                        latencyOut.write(String.format(Locale.ROOT, "%.3f\t%d\t%.3f\t%.3f\t%.3f%n",
                                System.currentTimeMillis() / 1000.0, interval.getTotalCount(),
                                interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0,
                                interval.getMaxValue() / 1000.0));
                        latencyOut.flush();
                    }
                }
                stop.await(10, TimeUnit.MILLISECONDS);
            }
            all.forEach(EventSourceStream::stop);
            long closed = all.stream().filter(s -> s.state() == EventSourceStream.State.CLOSED).count();
            log.info("{} streams stopped; {} were closed for good", streams, closed);
        } finally {
            done.countDown();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM: the hook has run.
            }
        }
        return 0;
    }
}
