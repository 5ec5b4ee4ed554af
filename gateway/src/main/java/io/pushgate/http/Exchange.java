package io.pushgate.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.pushgate.auth.Access;
import io.pushgate.metrics.StreamRefusal;
import io.pushgate.sse.StreamPlan;
import io.pushgate.sse.Streams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One request and the ways to answer it, handed to a {@link Resource}. Answers go out in request
 * order (HTTP/1.1 pipelining) through the connection's {@link HttpRouter}.
 *
 * <p>Thread rules: on the connection's event loop.
 */
final class Exchange {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    /** A broker outage fails every request that needs it: one line per 10 s, not one per request. */
    private static final ThrottledWarning BROKER_FAILED = new ThrottledWarning(log, 10, TimeUnit.SECONDS);
    private static final ThrottledWarning BROKER_SILENT = new ThrottledWarning(log, 10, TimeUnit.SECONDS);
    private static final String TOKEN_COOKIE = "pushgate_token";

    private final HttpRouter router;
    private final ChannelHandlerContext ctx;
    private final FullHttpRequest request;
    private final QueryStringDecoder uri;

    Exchange(HttpRouter router, ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
        this.router = router;
        this.ctx = ctx;
        this.request = request;
        this.uri = uri;
    }

    FullHttpRequest request() {
        return request;
    }

    HttpMethod method() {
        return request.method();
    }

    /** The values of query parameter {@code name}, empty when absent. */
    List<String> query(String name) {
        return uri.parameters().getOrDefault(name, List.of());
    }

    void respond(FullHttpResponse response) {
        router.respond(ctx, request, response);
    }

    /**
     * Answers a representation tagged {@code etag}: {@code 304} when the request's
     * {@code If-None-Match} names it, else {@code full}'s answer; both with the {@code ETag} and
     * {@code cacheControl}.
     */
    void respondTagged(String etag, CharSequence cacheControl, Supplier<FullHttpResponse> full) {
        String ifNoneMatch = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        FullHttpResponse response;
        if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
            response = Responses.empty(HttpResponseStatus.NOT_MODIFIED);
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            response = full.get();
        }
        response.headers().set(HttpHeaderNames.ETAG, etag).set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
        respond(response);
    }

    /** RFC 9110 If-None-Match: "*" or a list of entity tags, compared weakly. */
    static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** Answers with {@code status} and a one-line reason; counted and logged once at DEBUG. */
    void fail(HttpResponseStatus status, String reason) {
        router.fail(ctx, request, Responses.text(status, reason), reason, false);
    }

    /** Answers with {@code status}, a one-line reason and {@code ETag: etag} (none when null); counted like {@link #fail}. */
    void failTagged(HttpResponseStatus status, String reason, String etag) {
        FullHttpResponse response = Responses.text(status, reason);
        if (etag != null) {
            response.headers().set(HttpHeaderNames.ETAG, etag);
        }
        router.fail(ctx, request, response, reason, false);
    }

    /** A temporary refusal (429/503): a reason and {@code Retry-After}. */
    void refuse(HttpResponseStatus status, String reason, long retryAfterSeconds) {
        FullHttpResponse response = Responses.text(status, reason);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, retryAfterSeconds)));
        router.fail(ctx, request, response, reason, false);
    }

    /**
     * Refuses a stream for now, the way a browser's EventSource survives ({@code 200
     * text/event-stream}, a jittered {@code retry:}, the end; README "Limits and refusals").
     */
    void refuseStream(StreamRefusal reason, String why) {
        router.refuseStream(ctx, request, reason, why);
    }

    /**
     * The request's token: {@code Authorization: Bearer}, else the {@code access_token} query
     * parameter (a browser's EventSource cannot set headers), else the {@code pushgate_token}
     * cookie; null when it has none.
     */
    String token() {
        String bearer = Access.bearerToken(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (bearer != null) {
            return bearer;
        }
        List<String> fromQuery = query("access_token");
        if (!fromQuery.isEmpty()) {
            return fromQuery.get(0);
        }
        String cookies = request.headers().get(HttpHeaderNames.COOKIE);
        if (cookies != null) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decode(cookies)) {
                if (cookie.name().equals(TOKEN_COOKIE)) {
                    return cookie.value();
                }
            }
        }
        return null;
    }

    /**
     * Answers a refused {@code decision}: 401 with {@code WWW-Authenticate} for the token (counted
     * by reason), 403 for a topic the token does not grant; true when it did (the request is done).
     */
    boolean denied(Access.Decision decision) {
        if (decision.allowed()) {
            return false;
        }
        FullHttpResponse response = Responses.text(HttpResponseStatus.valueOf(decision.status()), decision.reason());
        if (decision.status() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
            router.authFailure(decision.failure().name());
        }
        router.fail(ctx, request, response, decision.reason(), false);
        return true;
    }

    /** The broker did not answer: 503, logged at WARN (the node is degraded, not the request bad; at most one line per 10 s). */
    void brokerDown(Throwable failure) {
        BROKER_FAILED.warn("broker call for {} {} failed: {}", request.method(), uri.path(), failure.toString());
        refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "broker unavailable, retry later", 1);
    }

    /**
     * The broker cannot tell whether a publish was stored (no answer in time), only that it will
     * not be stored later: 504, not a refusal to retry blindly; logged at WARN like {@link #brokerDown}.
     */
    void outcomeUnknown(Throwable failure) {
        outcomeUnknown(failure, "publish outcome unknown: no answer from the broker in time; the text"
                + " may have been stored and will not be stored later; GET the topic, or PUT again with If-Match");
    }

    /** As {@link #outcomeUnknown(Throwable)}, with {@code reason} for the client. */
    void outcomeUnknown(Throwable failure, String reason) {
        BROKER_SILENT.warn("broker call for {} {} without answer: {}", request.method(), uri.path(), failure.toString());
        fail(HttpResponseStatus.GATEWAY_TIMEOUT, reason);
    }

    /**
     * Runs {@code then} with the result of {@code stage} on this connection's loop; later requests
     * wait until it has answered. The request stays valid until then.
     */
    <T> void await(CompletionStage<T> stage, BiConsumer<T, Throwable> then) {
        router.await(ctx, request, stage, then);
    }

    /** Whether the client takes a chunked body: HTTP/1.1 and later, not HTTP/1.0 (RFC 9112, 7). */
    boolean chunkedAllowed() {
        return request.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0;
    }

    /** Hands the connection over to an SSE stream (see {@link Streams#open}); this exchange is the last. */
    void openStream(Streams streams, StreamPlan plan, String subject, Instant until) {
        streams.open(ctx, plan, subject, until, !chunkedAllowed());
        router.handedOver();
    }
}
