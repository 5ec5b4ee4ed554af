package io.pushgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.pushgate.wire.SseParser;
import org.HdrHistogram.Recorder;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One stream that behaves like a browser's {@code EventSource} (WHATWG HTML, "Server-sent events"):
 * it sends {@code Last-Event-ID} once it has seen an id; when a response ends or the connection
 * breaks, it waits the last {@code retry:} (3 s before any, as browsers do) and connects again; a
 * response that is not {@code 200 text/event-stream} closes it for good (state CLOSED), as it would
 * a browser's. Everything that happens goes to the {@link EventLog}: {@code open}, {@code retry},
 * {@code event <id> <data number>}, {@code end <reason>}, {@code error <reason>} (a connection that
 * broke before its head: retried) and {@code fail <reason>} (closed for good). An event whose text
 * starts with Unix microseconds (what {@code crash.sh}'s ticker sends) records its latency.
 *
 * <p>Thread rules: connects and callbacks on the event loop of its current connection; the state
 * may be read from any thread.
 */
final class EventSourceStream {
    /** What browsers wait before the server has sent a {@code retry:}. */
    private static final long DEFAULT_RETRY_MILLIS = 3000;
    /** Texts that start with a number this large carry their publish time in Unix microseconds. */
    private static final long MICROS_2001 = 1_000_000_000_000_000L;

    enum State { CONNECTING, OPEN, CLOSED }

    private final int index;
    private final String path;
    private final String host;
    private final Bootstrap bootstrap;
    private final InetSocketAddress remote;
    private final Supplier<InetSocketAddress> source;
    private final EventLog log;
    private final Recorder latency;
    private volatile State state = State.CONNECTING;
    private volatile boolean stopped;
    private String lastEventId = "";
    private long retryMillis = DEFAULT_RETRY_MILLIS;
    private volatile Channel channel;

    EventSourceStream(int index, String path, String host, Bootstrap bootstrap, InetSocketAddress remote,
                      Supplier<InetSocketAddress> source, EventLog log, Recorder latency) {
        this.index = index;
        this.path = path;
        this.host = host;
        this.bootstrap = bootstrap;
        this.remote = remote;
        this.source = source;
        this.log = log;
        this.latency = latency;
    }

    State state() {
        return state;
    }

    /** Opens the first connection (or the next one). */
    void connect() {
        if (stopped) {
            return;
        }
        state = State.CONNECTING;
        ChannelFuture connect = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new Connection());
            }
        }).connect(remote, source.get());
        channel = connect.channel();
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                broke("connect: " + f.cause().getClass().getSimpleName(), connect.channel());
            }
        });
    }

    /** Closes the stream for good, as {@code EventSource.close()} does. */
    void stop() {
        stopped = true;
        Channel current = channel;
        if (current != null) {
            current.close();
        }
    }

    /** The connection ended (after its head: {@code end}; before: {@code error}): reconnect after retry:. */
    private void broke(String reason, Channel ch) {
        if (state == State.CLOSED) {
            return;
        }
        log.write(state == State.OPEN ? "end" : "error", index, reason);
        state = State.CONNECTING;
        if (!stopped) {
            ch.eventLoop().schedule(this::connect, retryMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The handler of one connection: request, response head, body. */
    private final class Connection extends SimpleChannelInboundHandler<HttpObject> implements SseParser.Listener {
        private final SseParser parser = new SseParser(this);
        private boolean ended;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
            request.headers().set(HttpHeaderNames.HOST, host)
                    .set(HttpHeaderNames.ACCEPT, "text/event-stream")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            if (!lastEventId.isEmpty()) {
                request.headers().set("Last-Event-ID", lastEventId);
            }
            ctx.writeAndFlush(request, ctx.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (ended) {
                return;
            }
            if (msg instanceof HttpResponse response) {
                String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
                if (response.status().code() != 200 || !type.startsWith("text/event-stream")) {
                    // EventSource "fails the connection": no reconnect.
                    ended = true;
                    state = State.CLOSED;
                    log.write("fail", index, "status-" + response.status().code());
                    ctx.close();
                    return;
                }
                state = State.OPEN;
                log.write("open", index);
            }
            if (msg instanceof HttpContent content) {
                parser.read(content.content());
                if (msg instanceof LastHttpContent) {
                    ended = true;
                    broke("last-chunk", ctx.channel());
                    ctx.close();
                }
            }
        }

        @Override
        public void onEvent(long version, long dataNumber) {
            lastEventId = parser.lastEventId();
            log.write("event", index, lastEventId, Long.toString(dataNumber));
            if (dataNumber > MICROS_2001) {
                latency.recordValue(Math.max(0, Publisher.nowMicros() - dataNumber));
            }
        }

        @Override
        public void onRetry(long millis) {
            retryMillis = millis;
            log.write("retry", index, Long.toString(millis));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!ended) {
                ended = true;
                broke("eof", ctx.channel());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!ended) {
                ended = true;
                broke(cause.getClass().getSimpleName(), ctx.channel());
            }
            ctx.close();
        }
    }
}
