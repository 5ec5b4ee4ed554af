package io.pushgate.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pushgate.auth.Access;
import io.pushgate.broker.Broker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.broker.redis.RedisIo;
import io.pushgate.config.AuthSettings;
import io.pushgate.config.FollowSettings;
import io.pushgate.config.HttpSettings;
import io.pushgate.config.NodeConfig;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.ServerSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.http.HttpService;
import io.pushgate.loops.LoopIndex;
import io.pushgate.loops.LoopTicker;
import io.pushgate.loops.Transport;
import io.pushgate.metrics.AuthFailures;
import io.pushgate.metrics.HttpErrors;
import io.pushgate.metrics.NodeMetrics;
import io.pushgate.model.NodeStatus;
import io.pushgate.server.PublicServer;
import io.pushgate.sse.Streams;
import io.pushgate.topics.Feeds;
import io.pushgate.topics.Topics;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The node's serving path run before the node reports ready, so that a fresh JVM has compiled it
 * before the first clients come (bench/RESULTS.md, "Cold start and the default JVM"): real streams over loopback read
 * versions that real {@code PUT}s publish, through the same classes as the public port's (HTTP
 * codec, router, stream hand-over, hub, frames, the transport's writes), while more streams open
 * and close as reconnecting clients' do (a restart's clients come back at once), and one stream that stops
 * reading until it is not writable and is conflated, then reads again and catches up, so that the
 * slow-consumer branch of the fan-out is compiled too (issue 13: met first under load, it made the
 * JIT throw away the compiled fan-out loop).
 *
 * <p>Nothing of it is shared with the node's clients: the warm-up has its own broker, hub,
 * streams, HTTP service and metrics registry (thrown away; its timers' maximum moves on every few
 * milliseconds, the node's every minute, so that branch is compiled too), on a port of its own bound to
 * 127.0.0.1 and closed before the node is ready. Its broker is of the node's kind: with Redis, a
 * {@link RedisBroker} of its own on the node's Redis, under a key prefix of its own inside the
 * node's ({@code <prefix>:warm-up-<random>}, so an ACL that lets the node use {@code <prefix>:*}
 * lets it too), whose topics expire a minute after its last publish; so the publish call, Lettuce's
 * replies and the pub/sub path are compiled too (bench/RESULTS.md, "The warm-up through Redis"). When
 * that Redis does not answer within the command timeout, it warms up with an embedded broker.
 * What it shares is the node's event loops, its allocator and the JIT's compiled code. Bounded by
 * its limit; it stops earlier once its publishes are done and the JIT is quiet.
 *
 * <p>Thread rules: {@link #run} on the thread that starts the node (it blocks); the client's
 * handlers run on the node's worker loops.
 */
final class WarmUp {
    /** Streams of the small texts, spread over the topics: a fan-out loop over a few dozen subscribers per loop. */
    private static final int STREAMS = 64;
    /** Streams of all topics at once ({@code /events}, events named by topic): the named frames. */
    private static final int NAMED_STREAMS = 8;
    private static final int TOPICS = 4;
    /** Publishing connections, one PUT in flight on each. */
    private static final int PUBLISHERS = 4;
    /**
     * C1 compiles a method after ~200 calls, C2 after some thousands: 2,000 publishes make ~36,000
     * deliveries, a method of the per-delivery path as many calls (bench/RESULTS.md, "Cold start and
     * the default JVM": with C1 only, the default, the warm-up is done in 1.2-2 s on 2 cores).
     */
    private static final int PUBLISHES = 2_000;
    /** Streams opened and closed again, a few at a time, while the others read: the path of a reconnect. */
    private static final int OPENS = 2_000;
    /** Connections that open and close streams one after the other. */
    private static final int CHURNERS = 8;
    /** Every fourth publish goes to the large topic, which the slow stream reads. */
    private static final int LARGE_EVERY = 4;
    /** The large topic's first publishes carry large texts (1 MiB to the slow stream), the rest small ones. */
    private static final int LARGE_PUBLISHES = 16;
    private static final int SMALL_TEXT = 100;
    /** Every other request cut inside its head carries one: the rest outgrows the buffer its first part was read into. */
    private static final int MEDIUM_TEXT = 4 * 1024;
    /** Four of them fill the slow stream past the default send buffer (64 KiB, doubled by Linux) and write-buffer mark. */
    private static final int LARGE_TEXT = 64 * 1024;
    /** The slow stream's receive buffer: small, so the node's send buffer and then its write buffer fill soon. */
    private static final int SLOW_RECEIVE_BUFFER = 4 * 1024;
    /** How often the compilers' work is read. */
    private static final long QUIET_MILLIS = 100;
    /** The compilers count as idle in an interval in which their work grew by no more (one clock tick of CPU). */
    private static final long IDLE_WORK = 1;
    /** Under load, the compilers are taken as done when idle for this many intervals in a row. */
    private static final int QUIET_INTERVALS = 3;
    private static final String LARGE_TOPIC = "warm-up.large";
    /** The warm-up's topics in Redis expire this long after their last publish: a node stopped meanwhile leaves them briefly. */
    private static final Duration REDIS_KEYS_TTL = Duration.ofMinutes(1);

    private final long deadline;
    private final NodeConfig config;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final LoopIndex loops;
    private final NodeStatus status;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final LongAdder bytesRead = new LongAdder();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Channel> clients = new ArrayList<>();
    /** The warm-up's clients' loop, apart from the node's. */
    private final EventLoopGroup clientLoop =
            new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pushgate-warm-up"), NioIoHandler.newFactory());
    private volatile String failure;

    private WarmUp(Duration limit, NodeConfig config, Transport transport, EventLoopGroup boss, EventLoopGroup workers,
                   LoopIndex loops, NodeStatus status) {
        this.deadline = System.nanoTime() + limit.toNanos();
        this.config = config;
        this.transport = transport;
        this.boss = boss;
        this.workers = workers;
        this.loops = loops;
        this.status = status;
    }

    /** What a warm-up did, for the start-up line; {@code broker} says through which broker. */
    record Outcome(long millis, long publishes, int streams, long opens, boolean slowStreamConflated, long bytesRead,
                   String broker, String failure) {
        /** No warm-up ({@code --warm-up 0}). */
        static final Outcome OFF = new Outcome(0, 0, 0, 0, false, 0, "none", null);

        String describe() {
            if (this == OFF) {
                return "warm-up off";
            }
            return String.format("warm-up %.1f s: %d publishes to %d streams, %d more opened and closed, %.1f MB read, "
                    + "slow stream %s, broker %s%s", millis / 1000.0, publishes, streams, opens, bytesRead / 1e6,
                    slowStreamConflated ? "conflated" : "never slow", broker,
                    failure == null ? "" : ", stopped early: " + failure);
        }
    }

    /**
     * Runs a warm-up of at most {@code limit} (zero: none) on the node's loops, with the node's
     * limits (text size, write-buffer marks, send buffer) and {@code status} (the node's, not ready
     * yet); returns once everything it opened is closed again.
     */
    static Outcome run(Duration limit, NodeConfig config, Transport transport, EventLoopGroup boss,
                       EventLoopGroup workers, LoopIndex loops, NodeStatus status) throws InterruptedException {
        if (limit.isZero()) {
            return Outcome.OFF;
        }
        long start = System.nanoTime();
        try {
            return new WarmUp(limit, config, transport, boss, workers, loops, status).run(start);
        } catch (RuntimeException e) {
            // Not worth a failed start: the node serves as well without, only slower at first.
            return new Outcome(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), 0, 0, 0, false, 0, "none",
                    e.toString());
        }
    }

    /** Through a broker of the node's kind: its own Redis keys when the node has Redis and they answer, else embedded. */
    private Outcome run(long start) throws InterruptedException {
        if (config.redis().isEmpty()) {
            return run(start, new InMemoryBroker(), "embedded");
        }
        RedisSettings node = config.redis().get();
        String prefix = node.keyPrefix() + ":warm-up-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        if (prefix.length() > 64) {
            return run(start, new InMemoryBroker(), "embedded (the key prefix leaves no room for the warm-up's own)");
        }
        RedisBroker redis = new RedisBroker(new RedisSettings(node.uri(), node.cluster(), prefix, node.commandTimeout(),
                node.pingInterval(), node.pingTimeout(), node.clockSkew()), FollowSettings.NONE,
                new TopicSettings(REDIS_KEYS_TTL), config.feeds(), RedisIo.on(workers, transport));
        Outcome through = run(start, redis, "redis (prefix " + prefix + ")");
        return through != null ? through : run(start, new InMemoryBroker(),
                "embedded (its redis keys did not answer within " + node.commandTimeout().toMillis() + " ms)");
    }

    /** The warm-up through {@code broker}, which it closes; null when a Redis broker did not connect in time. */
    private Outcome run(long start, Broker broker, String describedAs) throws InterruptedException {
        NodeMetrics metrics = NodeMetrics.forWarmUp("warm-up");
        Topics topics = new Topics(broker, loops, PooledByteBufAllocator.DEFAULT, metrics.fanOut());
        Feeds feeds = new Feeds(broker, loops, PooledByteBufAllocator.DEFAULT, metrics.fanOut(), config.feeds().cap());
        broker.startFeeds(feeds);
        broker.start(topics);
        if (broker instanceof RedisBroker redis && !connected(redis)) {
            broker.close();
            metrics.close();
            return null;
        }
        // Tickers that never start: the warm-up is shorter than any deadline they would check.
        LoopTicker[] tickers = new LoopTicker[loops.size()];
        for (int i = 0; i < tickers.length; i++) {
            tickers[i] = new LoopTicker(loops.loop(i), Duration.ofSeconds(1));
        }
        // The node's limits, but room for the warm-up's own streams.
        Streams streams = new Streams(config.streams().withMaxStreams(Math.max(config.streams().maxStreams(),
                STREAMS + NAMED_STREAMS + 1 + CHURNERS)), topics, feeds, loops, tickers, status);
        HttpSettings limits = config.http();
        // The node's own limits, accept rate included: a branch that the warm-up never takes and the
        // first clients do throws the compiled code around it away (and all it was inlined into).
        HttpSettings own = new HttpSettings(limits.maxInitialLine(), limits.maxHeaderSize(), limits.headerTimeout(),
                limits.maxText(), Math.max(limits.maxTopicsPerStream(), TOPICS + 1), limits.acceptRate(),
                limits.corsOrigins());
        HttpService http = new HttpService(own, Access.of(open()), topics, feeds, streams, new HttpErrors(),
                new AuthFailures(List.of()), status, loops, tickers);
        ServerSettings port = config.server();
        PublicServer server = PublicServer.bind(new ServerSettings("127.0.0.1", 0, port.transport(), port.workers(),
                port.backlog(), port.writeBufferLow(), port.writeBufferHigh(), port.sendBuffer()),
                transport, boss, workers, ByteBufAllocator.DEFAULT, http);
        boolean conflated = false;
        try {
            exercise(new InetSocketAddress("127.0.0.1", server.port()), topics);
            conflated = topics.hub().conflated() > 0;
        } finally {
            stop.set(true);
            for (Channel client : clients) {
                client.close();
            }
            try {
                streams.closeAll().get(1, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                failure = "streams not closed: " + e;
            }
            for (Channel client : clients) {
                client.closeFuture().await(1, TimeUnit.SECONDS);
            }
            server.close().await(1, TimeUnit.SECONDS);
            clientLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(1, TimeUnit.SECONDS);
            broker.close();
            metrics.close();
        }
        return new Outcome(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), published.get(),
                STREAMS + NAMED_STREAMS + 1, opened.get(), conflated, bytesRead.sum(), describedAs, failure);
    }

    /** Whether {@code redis}' first session came up within the command timeout (and the warm-up's bound). */
    private boolean connected(RedisBroker redis) throws InterruptedException {
        long wait = Math.min(config.redis().orElseThrow().commandTimeout().toNanos(), deadline - System.nanoTime());
        try {
            redis.firstConnected().toCompletableFuture().get(Math.max(0, wait), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Opens the streams, publishes, lets the slow stream read again halfway, then waits for the JIT. */
    private void exercise(InetSocketAddress address, Topics topics) throws InterruptedException {
        int textLimit = config.http().maxText();
        byte[] small = text(Math.min(SMALL_TEXT, textLimit));
        byte[] large = text(Math.min(LARGE_TEXT, textLimit));
        byte[] medium = text(Math.min(MEDIUM_TEXT, textLimit));
        List<String> names = new ArrayList<>();
        for (int t = 0; t < TOPICS; t++) {
            names.add("warm-up." + t);
        }

        CountDownLatch open = new CountDownLatch(STREAMS + NAMED_STREAMS + 1);
        Bootstrap reader = client().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(new Reader(open));
            }
        });
        for (int i = 0; i < STREAMS; i++) {
            clients.add(stream(reader, address, "/topics/" + names.get(i % TOPICS) + "/events"));
        }
        String all = "/events?topic=" + String.join("&topic=", names);
        for (int i = 0; i < NAMED_STREAMS; i++) {
            clients.add(stream(reader, address, all));
        }
        Channel slow = stream(reader.clone().option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, SLOW_RECEIVE_BUFFER), address, "/topics/" + LARGE_TOPIC + "/events");
        clients.add(slow);
        slow.read(); // its response head, which counts it as open; then it reads nothing until told
        if (!await(open)) {
            failure = "streams not open in time";
            return;
        }

        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(PUBLISHERS);
        AtomicLong publishers = new AtomicLong();
        Bootstrap publisher = client().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                Split split = Split.values()[(int) (publishers.getAndIncrement() % Split.values().length)];
                channel.pipeline().addLast(new Publisher(names, small, medium, large, split, halfway, done));
            }
        });
        for (int i = 0; i < PUBLISHERS; i++) {
            Channel channel = publisher.connect(address).sync().channel();
            clients.add(channel);
        }
        CountDownLatch churned = new CountDownLatch(CHURNERS);
        Bootstrap churner = client();
        churner.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(new Churner(churner, address, "/topics/" + names.get(0) + "/events", churned));
            }
        });
        for (int i = 0; i < CHURNERS; i++) {
            connect(churner, address, churned);
        }
        if (await(halfway)) {
            slow.config().setAutoRead(true); // writable again: it catches up with the newest version
        }
        // The publishers and churners go on until their minimum is done and the compilers are idle under them.
        awaitIdleCompilers(QUIET_INTERVALS, () -> published.get() >= PUBLISHES && opened.get() >= OPENS);
        stop.set(true);
        await(done);
        await(churned);
        // Then what the last of it queued: compilations would otherwise compete with the first clients' deliveries.
        if (new CompilerActivity().supported()) {
            awaitIdleCompilers(1, () -> true);
        }
    }

    /**
     * Waits, until the deadline, for {@code intervals} idle intervals of the compilers in a row with
     * {@code done} true. What the JIT compiles, it compiles after thousands of calls of a method, in
     * a queue, and a C2 compilation takes up to hundreds of milliseconds: a fixed amount of work
     * leaves part of that queue, and the methods just short of their thresholds, to the first
     * clients (bench/RESULTS.md, "Cold start, the warm-up until the compilers are idle").
     */
    private void awaitIdleCompilers(int intervals, BooleanSupplier done) throws InterruptedException {
        CompilerActivity compilers = new CompilerActivity();
        long before = compilers.work();
        int idle = 0;
        while (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS) < deadline && failure == null) {
            Thread.sleep(QUIET_MILLIS); // a measuring interval, not a wait for a condition
            long now = compilers.work();
            idle = now - before <= IDLE_WORK ? idle + 1 : 0;
            before = now;
            if (idle >= intervals && done.getAsBoolean()) {
                return;
            }
        }
    }

    /**
     * A client bootstrap on the warm-up's own loop, NIO: the clients' work stays off the node's
     * loops, and out of the profiles of the node's transport classes (code shared by clients and
     * server, profiled with both, is compiled again once the clients are gone).
     */
    private Bootstrap client() {
        return new Bootstrap().group(clientLoop).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true);
    }

    private Channel stream(Bootstrap bootstrap, InetSocketAddress address, String path) throws InterruptedException {
        Channel channel = bootstrap.connect(address).sync().channel();
        String request = "GET " + path + " HTTP/1.1\r\nHost: warm-up\r\nAccept: text/event-stream\r\n\r\n";
        channel.writeAndFlush(ByteBufUtil.writeAscii(channel.alloc(), request));
        return channel;
    }

    /** Connects a churner; one that cannot connect is done. */
    private static void connect(Bootstrap churner, InetSocketAddress address, CountDownLatch done) {
        churner.connect(address).addListener(connected -> {
            if (!connected.isSuccess()) {
                done.countDown();
            }
        });
    }

    /** Waits for {@code latch} until the deadline; false if it did not open in time. */
    private boolean await(CountDownLatch latch) throws InterruptedException {
        return latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private static byte[] text(int size) {
        return "w".repeat(Math.max(1, size)).getBytes(StandardCharsets.US_ASCII);
    }

    /** No key file: the warm-up's requests carry no tokens. */
    private static AuthSettings open() {
        return new AuthSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Duration.ZERO,
                List.of(), Duration.ZERO);
    }

    /** Reads a stream and throws the bytes away; counts the stream open at its first bytes. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        private final CountDownLatch open;
        private boolean counted;

        Reader(CountDownLatch open) {
            this.open = open;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            bytesRead.add(buf.readableBytes());
            buf.release();
            if (!counted) {
                counted = true;
                open.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Opens a stream, closes it at its first bytes, and opens the next, until the warm-up's opens are done. */
    private final class Churner extends ChannelInboundHandlerAdapter {
        private final Bootstrap bootstrap;
        private final InetSocketAddress address;
        private final String request;
        private final CountDownLatch done;
        private boolean read;

        Churner(Bootstrap bootstrap, InetSocketAddress address, String path, CountDownLatch done) {
            this.bootstrap = bootstrap;
            this.address = address;
            this.request = "GET " + path + " HTTP/1.1\r\nHost: warm-up\r\nAccept: text/event-stream\r\n\r\n";
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), request));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            if (!read) {
                read = true;
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!stop.get()) {
                opened.incrementAndGet();
                connect(bootstrap, address, done);
            } else {
                done.countDown();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * How a publisher hands its requests to the socket, in turns over the publishers: whole; head
     * and body in two writes, as most HTTP clients send them (the JDK's, browsers'); and cut inside
     * the head, as a slow client's or a proxy's may arrive. A cut request often reaches the node in
     * two reads, which takes branches of the HTTP decoder that whole requests never do: met first
     * under load, each made the JIT throw away the compiled decoder and compile it again ~45 s
     * later, inside a measured window (bench/RESULTS.md, "Requests cut inside the head").
     */
    private enum Split {
        WHOLE, HEAD_THEN_BODY, IN_THE_HEAD
    }

    /**
     * Publishes with one {@code PUT} in flight until the warm-up stops. Plain bytes, as the streams'
     * clients write them: Netty's HTTP client codec shares its classes with the node's server codec,
     * and the node's code compiled with both in its profile is compiled again without.
     */
    private final class Publisher extends ChannelInboundHandlerAdapter {
        private final List<String> names;
        private final byte[] small;
        private final byte[] medium;
        private final byte[] large;
        private final Split split;
        private final CountDownLatch halfway;
        private final CountDownLatch done;
        private final StringBuilder response = new StringBuilder();
        private boolean finished;

        Publisher(List<String> names, byte[] small, byte[] medium, byte[] large, Split split, CountDownLatch halfway,
                  CountDownLatch done) {
            this.names = names;
            this.small = small;
            this.medium = medium;
            this.large = large;
            this.split = split;
            this.halfway = halfway;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            next(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            response.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
            int end = response.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            int length = contentLength(response.substring(0, end));
            if (response.length() < end + 4 + length) {
                return;
            }
            if (response.indexOf("HTTP/1.1 200 ") != 0) {
                failure = "PUT answered " + response.substring(0, response.indexOf("\r\n"));
                stop.set(true);
            }
            response.setLength(0); // one PUT in flight: nothing follows the answer
            next(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void next(ChannelHandlerContext ctx) {
            if (stop.get()) {
                finish();
                return;
            }
            long n = published.getAndIncrement();
            if (n == PUBLISHES / 2) {
                halfway.countDown();
            }
            boolean toLarge = n % LARGE_EVERY == 0;
            String topic = toLarge ? LARGE_TOPIC : names.get((int) (n % names.size()));
            byte[] text = toLarge && n < (long) LARGE_EVERY * LARGE_PUBLISHES ? large
                    : split == Split.IN_THE_HEAD && n % 2 == 1 ? medium : small;
            String head = "PUT /topics/" + topic + " HTTP/1.1\r\nHost: warm-up\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: " + text.length + "\r\n\r\n";
            switch (split) {
                case WHOLE -> ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), head).writeBytes(text));
                case HEAD_THEN_BODY -> {
                    ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), head));
                    ctx.writeAndFlush(ctx.alloc().buffer(text.length).writeBytes(text));
                }
                case IN_THE_HEAD -> {
                    // The rest a moment later, so that the node has read the first part on its own.
                    int cut = head.length() / 2;
                    ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), head.substring(0, cut)));
                    // Made in the task: a task dropped by a shutting-down loop leaves no buffer behind.
                    ctx.executor().schedule(() -> ctx.writeAndFlush(
                            ByteBufUtil.writeAscii(ctx.alloc(), head.substring(cut)).writeBytes(text)), 1, TimeUnit.MILLISECONDS);
                }
            }
        }

        private void finish() {
            if (!finished) {
                finished = true;
                done.countDown();
            }
        }
    }

    /** The {@code Content-Length} of a response head; 0 without one. */
    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }
}
