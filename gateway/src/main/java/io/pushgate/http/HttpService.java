package io.pushgate.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.cors.CorsConfig;
import io.netty.handler.codec.http.cors.CorsConfigBuilder;
import io.netty.handler.codec.http.cors.CorsHandler;
import io.pushgate.auth.Access;
import io.pushgate.config.HttpSettings;
import io.pushgate.loops.LoopIndex;
import io.pushgate.loops.LoopTicker;
import io.pushgate.metrics.AuthFailures;
import io.pushgate.metrics.HttpErrors;
import io.pushgate.model.NodeStatus;
import io.pushgate.sse.Streams;
import io.pushgate.topics.Feeds;
import io.pushgate.topics.Topics;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The REST surface of a node, as the handlers of a new connection's pipeline: built once, it
 * hands out each connection's handlers (the pipeline itself is put together by the server's
 * initializer). It holds the routing table and the resources, shared by every connection.
 *
 * <p>Thread rules: built on the thread that starts the node; the handler methods are called on
 * the connection's loop.
 */
public final class HttpService {
    private final HttpSettings settings;
    private final HttpErrors errors;
    private final AuthFailures authFailures;
    private final NodeStatus status;
    private final LoopIndex loops;
    private final RequestTimeouts[] timeouts;
    private final AcceptRate acceptRate;
    private final CorsConfig cors;
    private final Routes routes;
    private final LongSupplier retryMillis;
    private final long keepAliveSeconds;
    private final int maxInitialLine;

    /** {@code tickers[i]} is the ticker of {@code loops.loop(i)}: it checks that loop's request deadlines. */
    public HttpService(HttpSettings settings, Access access, Topics topics, Feeds feeds, Streams streams, HttpErrors errors,
                       AuthFailures authFailures, NodeStatus status, LoopIndex loops, LoopTicker[] tickers) {
        this.settings = settings;
        this.maxInitialLine = requestLineLimit(settings);
        this.errors = errors;
        this.authFailures = authFailures;
        this.status = status;
        this.loops = loops;
        this.timeouts = new RequestTimeouts[loops.size()];
        for (int i = 0; i < timeouts.length; i++) {
            timeouts[i] = new RequestTimeouts(settings.headerTimeout());
            tickers[i].add(timeouts[i]);
        }
        this.acceptRate = new AcceptRate(settings.acceptRate());
        this.cors = cors(settings.corsOrigins());
        this.retryMillis = streams::retryMillis;
        this.routes = new Routes(StaticResource.load("/pushgate/demo.html", "text/html; charset=utf-8"),
                StaticResource.load("/pushgate/pushgate.js", "text/javascript; charset=utf-8"),
                new StreamResource(streams, access, settings.maxTopicsPerStream(), feeds.cap(), StreamResource.Kind.TOPIC),
                new StreamResource(streams, access, settings.maxTopicsPerStream(), feeds.cap(), StreamResource.Kind.EVENTS),
                new TopicResource(topics, access),
                new StreamResource(streams, access, settings.maxTopicsPerStream(), feeds.cap(), StreamResource.Kind.FEED),
                new FeedResource(feeds, access));
        // Clients are told a whole second less than the idle close, so they stop reusing a connection
        // before it; below 2 s no whole second is less, so they are told nothing (0: no header).
        this.keepAliveSeconds = Math.max(0, settings.headerTimeout().toSeconds() - 1);
    }

    /** Counts a new connection against {@code --accept-rate}; false when it is over (its request gets 429). */
    public boolean admit() {
        return acceptRate.tryAcquire();
    }

    /** The slowloris guard (408, idle close), first in the pipeline. */
    public ChannelHandler deadline(Channel channel) {
        return new RequestDeadline(timeouts[loops.of(channel.eventLoop())], errors);
    }

    /** The HTTP/1.1 codec with the request-line and header limits (431). */
    public ChannelHandler codec() {
        return new HttpServerCodec(maxInitialLine, settings.maxHeaderSize(), 8192);
    }

    /**
     * {@code --max-initial-line}, or when unset the longest request line of a legal stream request
     * ({@link StreamResource#longestRequestLine}). A limit set below that would answer 431 to a
     * stream that every other limit allows: the node does not start, and says why in one line.
     */
    static int requestLineLimit(HttpSettings settings) {
        int needed = StreamResource.longestRequestLine(settings.maxTopicsPerStream());
        if (settings.maxInitialLine() == 0) {
            return needed;
        }
        if (settings.maxInitialLine() < needed) {
            throw new IllegalArgumentException("--max-initial-line " + settings.maxInitialLine()
                    + " is shorter than the longest legal stream request line (" + needed + " bytes with --max-topics-per-stream "
                    + settings.maxTopicsPerStream() + "): raise it, lower --max-topics-per-stream, or leave it unset");
        }
        return settings.maxInitialLine();
    }

    /** Aggregates a request, 413 above {@code --max-text}. */
    public ChannelHandler bodyLimit() {
        return new BodyLimit(settings.maxText(), errors);
    }

    /** Netty's CORS handler for {@code --cors-origins}, or {@code null} when none are allowed. */
    public ChannelHandler cors() {
        return cors == null ? null : new CorsHandler(cors);
    }

    /** The routing of whole requests to resources; {@code overAcceptRate}: answer 429 instead. */
    public ChannelHandler router(boolean overAcceptRate) {
        return new HttpRouter(routes, errors, authFailures, status, overAcceptRate, keepAliveSeconds, retryMillis);
    }

    /**
     * Listed origins may send credentials (the {@code pushgate_token} cookie: {@code new
     * EventSource(url, {withCredentials: true})}, {@code fetch(url, {credentials: 'include'})});
     * {@code *} may not, so no page on any site can make a browser use its cookie here.
     */
    private static CorsConfig cors(List<String> origins) {
        if (origins.isEmpty()) {
            return null;
        }
        CorsConfigBuilder builder = origins.contains("*")
                ? CorsConfigBuilder.forAnyOrigin()
                : CorsConfigBuilder.forOrigins(origins.toArray(new String[0])).allowCredentials();
        return builder
                .allowedRequestMethods(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.POST)
                .allowedRequestHeaders(HttpHeaderNames.CONTENT_TYPE, "Last-Event-ID", HttpHeaderNames.IF_NONE_MATCH,
                        HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.AUTHORIZATION)
                .exposeHeaders(HttpHeaderNames.ETAG, HttpHeaderNames.WWW_AUTHENTICATE)
                .maxAge(600)
                .build();
    }
}
