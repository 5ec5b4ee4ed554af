package io.pushgate.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.pushgate.wire.SseParser;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Thousands of SSE streams from one process on a few event loops (a JDK HttpClient per stream
 * would not scale here). Each stream records the versions of the events it receives, read by the
 * gateway's {@link SseParser} from the body Netty's HTTP codec has de-chunked.
 */
public final class MassStreams implements AutoCloseable {
    /** What one stream saw; written on its event loop, read by the test after awaiting. */
    public static final class Stream {
        public final String path;
        volatile int status;
        volatile String failure;
        volatile long last;
        private final List<Long> versions = new ArrayList<>();
        private final SseParser parser = new SseParser((version, dataNumber) -> {
            versions.add(version);
            last = version;
        });

        Stream(String path) {
            this.path = path;
        }

        public String failure() {
            return failure;
        }

        public int status() {
            return status;
        }

        public long last() {
            return last;
        }

        public synchronized List<Long> versions() {
            return new ArrayList<>(versions);
        }

        synchronized void bytes(ByteBuf content) {
            parser.read(content);
        }
    }

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final List<Stream> streams = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();

    public MassStreams() {
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(2, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
    }

    /** Opens one stream per path, at most {@code inFlight} connects at a time; waits for every head. */
    public List<Stream> open(int port, List<String> paths, int inFlight, Duration timeout) throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String path : paths) {
            if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new AssertionError("opening streams took longer than " + timeout);
            }
            Stream stream = new Stream(path);
            streams.add(stream);
            Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new SimpleChannelInboundHandler<HttpObject>() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
                            get.headers().set(HttpHeaderNames.HOST, "127.0.0.1").set(HttpHeaderNames.ACCEPT, "text/event-stream");
                            ctx.writeAndFlush(get);
                        }

                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                            if (msg instanceof HttpResponse response) {
                                stream.status = response.status().code();
                                permits.release();
                            }
                            if (msg instanceof HttpContent content) {
                                stream.bytes(content.content());
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    });
                }
            });
            // Source addresses spread over 127.0.0.2-51: one address has only ~28k ephemeral ports,
            // and other tests on this machine leave theirs in TIME_WAIT.
            java.net.InetSocketAddress local = new java.net.InetSocketAddress("127.0.0." + (2 + streams.size() % 50), 0);
            b.connect(new java.net.InetSocketAddress("127.0.0.1", port), local).addListener(f -> {
                if (!f.isSuccess()) {
                    stream.failure = String.valueOf(f.cause());
                    stream.status = -1;
                    permits.release();
                }
            });
        }
        if (!permits.tryAcquire(inFlight, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("not every stream got its response head within " + timeout);
        }
        return streams;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
