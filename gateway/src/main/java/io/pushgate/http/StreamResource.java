package io.pushgate.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pushgate.auth.Access;
import io.pushgate.metrics.StreamRefusal;
import io.pushgate.model.TopicNames;
import io.pushgate.sse.Streams;
import io.pushgate.wire.EventIds;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /topics/{t}/events} (one topic, unnamed events) and {@code GET /events?topic=a&topic=b}
 * (several topics, events named by topic): checks the topics and the node's stream limit, reads
 * {@code Last-Event-ID} (header, or the {@code lastEventId} query parameter that a page can set),
 * and hands the connection over to an SSE stream. {@code HEAD} gets the stream's head only. A
 * topic that is not public needs a token that grants it (401/403 are permanent refusals: a
 * browser's EventSource rightly stays closed).
 *
 * <p>Thread rules: one shared instance per route, on the request's loop.
 */
final class StreamResource implements Resource {
    static final String INVALID_TOPIC = "invalid topic name (allowed: " + TopicNames.RULE + ")";
    private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD);
    /** Room for an {@code access_token} in the query: an RS256 JWT with a few grants is about 1 KB. */
    static final int TOKEN_ROOM = 2048;
    /** A character of a query value may come percent-encoded ({@code encodeURIComponent} encodes {@code :}). */
    private static final int ENCODED = 3;

    private final Streams streams;
    private final Access access;
    private final int maxTopics;
    private final boolean named;

    /** {@code named}: the stream of {@code /events}, its topics from the query; else one topic from the path. */
    StreamResource(Streams streams, Access access, int maxTopics, boolean named) {
        this.streams = streams;
        this.access = access;
        this.maxTopics = maxTopics;
        this.named = named;
    }

    /**
     * The longest request line of a legal stream request, {@code GET /events?topic=…&lastEventId=…&access_token=…
     * HTTP/1.1}: {@code maxTopics} topics of the longest name and the longest {@code lastEventId}, every
     * character percent-encoded, and a token of {@link #TOKEN_ROOM} bytes. The request-line limit must
     * take it, or a stream that every other limit allows would get 431.
     */
    static int longestRequestLine(int maxTopics) {
        int topics = maxTopics * ("topic=".length() + ENCODED * TopicNames.MAX_LENGTH + 1);
        int lastEventId = "lastEventId=".length() + ENCODED * EventIds.MAX_LENGTH + 1;
        int token = "access_token=".length() + TOKEN_ROOM;
        return "GET /events?".length() + topics + lastEventId + token + " HTTP/1.1".length();
    }

    @Override
    public Set<HttpMethod> methods() {
        return METHODS;
    }

    @Override
    public boolean streams() {
        return true;
    }

    @Override
    public void handle(Exchange exchange, String topic) {
        Set<String> topics = new LinkedHashSet<>(named ? exchange.query("topic") : List.of(topic));
        if (topics.isEmpty()) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "name at least one topic: /events?topic=a&topic=b");
            return;
        }
        if (topics.size() > maxTopics) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "too many topics (at most " + maxTopics + ")");
            return;
        }
        for (String name : topics) {
            if (!TopicNames.isValid(name)) {
                exchange.fail(HttpResponseStatus.BAD_REQUEST, INVALID_TOPIC);
                return;
            }
        }
        Access.Decision decision = access.read(exchange.token(), topics);
        if (exchange.denied(decision)) {
            return;
        }
        if (exchange.method().equals(HttpMethod.HEAD)) {
            HttpResponse head = Streams.head(!exchange.chunkedAllowed());
            head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            FullHttpResponse response = Responses.empty(HttpResponseStatus.OK);
            response.headers().set(head.headers());
            exchange.respond(response);
            return;
        }
        if (streams.atCapacity()) {
            exchange.refuseStream(StreamRefusal.STREAM_LIMIT, "node at its stream limit, retry later");
            return;
        }
        String lastEventId = exchange.request().headers().get("Last-Event-ID");
        if (lastEventId == null) {
            List<String> fromQuery = exchange.query("lastEventId");
            lastEventId = fromQuery.isEmpty() ? null : fromQuery.get(0);
        }
        exchange.openStream(streams, new ArrayList<>(topics), named, EventIds.parse(lastEventId),
                decision.subject(), decision.until());
    }
}
