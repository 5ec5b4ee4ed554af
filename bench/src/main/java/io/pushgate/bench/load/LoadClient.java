package io.pushgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

/**
 * Opens many SSE streams from one process and keeps them: a Netty client with one event loop per
 * core (epoll where present, else NIO), no thread per connection, source addresses taken in turn
 * from 127.0.0.2 on (each address has its own ephemeral port range), and a bounded number of
 * connects in flight so the server's accept queue and accept-rate limit are not overrun.
 *
 * <p>A stalling client ({@code stallReceiveBuffer > 0}) holds streams whose reader has stopped: each
 * connects with that small receive buffer (SO_RCVBUF, set before the connect so the window it
 * announces is small too), reads its response head and then never reads again (auto-read off), as a
 * client whose process hangs or whose network stopped draining.
 *
 * <p>Thread rules: {@link #open} and {@link #closeAll} from one driving thread; the outcome
 * callbacks come from the event loops; the counts may be read from any thread.
 */
final class LoadClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadClient.class);
    private static final long PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** Batches smaller than this that open within {@link #PROGRESS_NANOS} log no progress line. */
    private static final int QUIET_BATCH = 100;
    /** Marks a stream this client closed itself, so that its close is not counted as lost. */
    private static final AttributeKey<Boolean> CLOSED_HERE = AttributeKey.valueOf("pushgate-load.closedHere");

    private final Target target;
    private final InetAddress[] sources;
    private final int portsPerSource;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final String transport;
    private final ChannelGroup streams = new DefaultChannelGroup("streams", GlobalEventExecutor.INSTANCE);
    private final Semaphore connecting;
    private final int maxConnecting;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final LongAdder bytes = new LongAdder();
    private final Map<String, AtomicInteger> reasons = new ConcurrentHashMap<>();
    /** The local ports of the streams opened, so that their sockets can be told apart in {@code ss}. */
    private final Set<Integer> localPorts = ConcurrentHashMap.newKeySet();
    private final boolean stall;
    /** Attempts started over this client's life: attempt a comes from source a / portsPerSource. */
    private long attempts;

    /**
     * A client of {@code target} whose attempts come from {@code sources}: the first
     * {@code portsPerSource} from the first address, the next from the second, and so on (then
     * round again), so that no address's ephemeral ports run out, even with the ports of
     * earlier closed streams still in TIME_WAIT.
     */
    /** Open files a load process needs besides its streams (jars, epoll, pipes, …). */
    static final int SPARE_FILES = 200;

    /** Fails unless this process may open {@code streams} sockets (plus the spare files); {@code hint} ends the message. */
    static void requireOpenFiles(int streams, String hint) {
        long files = ServerProbe.openFilesLimit("self");
        if (files >= 0 && streams + SPARE_FILES > files) {
            throw new IllegalArgumentException(streams + " streams need about " + (streams + SPARE_FILES)
                    + " open files; this process may have " + files + hint);
        }
    }

    LoadClient(Target target, List<InetAddress> sources, int portsPerSource, int maxConnecting,
               Duration connectTimeout, int stallReceiveBuffer) {
        this.target = target;
        this.sources = sources.toArray(new InetAddress[0]);
        this.portsPerSource = portsPerSource;
        this.maxConnecting = maxConnecting;
        this.connecting = new Semaphore(maxConnecting);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends SocketChannel> channel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.transport = epoll ? "epoll" : "nio";
        this.group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
        this.stall = stallReceiveBuffer > 0;
        if (stall) {
            bootstrap.option(ChannelOption.SO_RCVBUF, stallReceiveBuffer);
        }
    }

    String transport() {
        return transport;
    }

    /**
     * Opens {@code count} more streams, the i-th on {@code path.apply(i)}, with at most the
     * configured number of attempts in flight; returns when every attempt has ended or at
     * {@code deadlineNanos} ({@link System#nanoTime}). Logs progress every few seconds.
     *
     * @return the number of streams opened by this call
     */
    int open(int count, IntFunction<String> path, long deadlineNanos)
            throws InterruptedException {
        return openStreams(count, i -> new StreamSpec(path.apply(i), null, null), deadlineNanos);
    }

    /** What one stream asks for and who reads its body. */
    record StreamSpec(String path, String lastEventId, StreamBody body) {
    }

    /**
     * Like {@link #open(int, IntFunction, long)}, each stream as {@code spec.apply(i)} says: its path,
     * an optional {@code Last-Event-ID} and the reader of its events.
     */
    int openStreams(int count, IntFunction<StreamSpec> spec, long deadlineNanos)
            throws InterruptedException {
        int openedBefore = opened.get();
        long start = System.nanoTime();
        long nextProgress = start + PROGRESS_NANOS;
        InetSocketAddress remote = target.remote();
        int started = 0;
        while (started < count) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                log.warn("deadline reached: {} of {} attempts started", started, count);
                break;
            }
            if (connecting.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                InetAddress source = sources[(int) ((attempts++ / portsPerSource) % sources.length)];
                InetSocketAddress local = new InetSocketAddress(source, 0);
                StreamSpec stream = spec.apply(started);
                StreamAttempt attempt = new StreamAttempt(this, request(stream.path(), stream.lastEventId()),
                        stream.body());
                bootstrap.clone().handler(attempt).connect(remote, local).addListener(f -> {
                    if (!f.isSuccess()) {
                        attempt.connectFailed(f.cause());
                    }
                });
                started++;
            }
            if (System.nanoTime() - nextProgress >= 0) {
                nextProgress += PROGRESS_NANOS;
                progress(opened.get() - openedBefore, count, start);
            }
        }
        // Every attempt ends by itself (connect timeout, response head or close); wait for them.
        while (connecting.availablePermits() < maxConnecting && System.nanoTime() - deadlineNanos < 0) {
            Thread.sleep(50);
            if (System.nanoTime() - nextProgress >= 0) {
                nextProgress += PROGRESS_NANOS;
                progress(opened.get() - openedBefore, count, start);
            }
        }
        // A small batch that opened at once (a reconnect of a few streams) is not worth a line.
        if (count >= QUIET_BATCH || System.nanoTime() - start >= PROGRESS_NANOS) {
            progress(opened.get() - openedBefore, count, start);
        }
        return opened.get() - openedBefore;
    }

    private void progress(int done, int count, long start) {
        log.info("{}/{} streams open, {} connecting, {} rejected, {} failed ({} s)", done, count,
                maxConnecting - connecting.availablePermits(), rejected.get(), failed.get(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    private byte[] request(String path, String lastEventId) {
        return ("GET " + path + " HTTP/1.1\r\n"
                + "Host: " + target.hostHeader() + "\r\n"
                + "Accept: text/event-stream\r\n"
                + "Cache-Control: no-cache\r\n"
                // Like a browser, no header while the last event id is empty (no event yet).
                + (lastEventId == null || lastEventId.isEmpty() ? "" : "Last-Event-ID: " + lastEventId + "\r\n")
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Closes every open stream and waits (bounded) until they are closed. */
    void closeAll(Duration timeout) {
        for (Channel channel : streams) {
            channel.attr(CLOSED_HERE).set(Boolean.TRUE);
        }
        if (!streams.close().awaitUninterruptibly(timeout.toMillis())) {
            log.warn("streams not all closed within {}", timeout);
        }
    }

    /** Closes one stream (not counted as lost); the future completes once it is closed. */
    ChannelFuture close(Channel channel) {
        channel.attr(CLOSED_HERE).set(Boolean.TRUE);
        return channel.close();
    }

    /** Streams open now. */
    int openCount() {
        return open.get();
    }

    int rejectedCount() {
        return rejected.get();
    }

    int failedCount() {
        return failed.get();
    }

    /** Streams the server closed (or that broke) after they were open. */
    int lostCount() {
        return lost.get();
    }

    /** The local ports of every stream opened so far (closed ones included). */
    Set<Integer> localPorts() {
        return localPorts;
    }

    long bytesReceived() {
        return bytes.sum();
    }

    /** Why attempts did not open: status codes and failure kinds, with counts. */
    Map<String, Integer> reasons() {
        Map<String, Integer> copy = new TreeMap<>();
        reasons.forEach((reason, n) -> copy.put(reason, n.get()));
        return copy;
    }

    // Outcomes, from StreamAttempt on the event loops.

    void opened(Channel channel) {
        if (stall) {
            // What came with the head is dropped (no body reads it); nothing is read after it.
            channel.config().setAutoRead(false);
        }
        if (channel.localAddress() instanceof InetSocketAddress local) {
            localPorts.add(local.getPort());
        }
        open.incrementAndGet();
        opened.incrementAndGet();
        streams.add(channel);
        connecting.release();
    }

    void rejected(String status) {
        rejected.incrementAndGet();
        reasons.computeIfAbsent("status " + status, k -> new AtomicInteger()).incrementAndGet();
        connecting.release();
    }

    void failed(String reason) {
        failed.incrementAndGet();
        reasons.computeIfAbsent(reason, k -> new AtomicInteger()).incrementAndGet();
        connecting.release();
    }

    void closed(Channel channel) {
        open.decrementAndGet();
        if (!Boolean.TRUE.equals(channel.attr(CLOSED_HERE).get())) {
            lost.incrementAndGet();
        }
    }

    void received(int n) {
        bytes.add(n);
    }

    void error(Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("stream failed: {}", cause.toString());
        } else {
            log.error("stream failed", cause);
        }
    }

    @Override
    public void close() {
        closeAll(Duration.ofSeconds(10));
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
