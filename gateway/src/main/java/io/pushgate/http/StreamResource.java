package io.pushgate.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pushgate.auth.Access;
import io.pushgate.metrics.StreamRefusal;
import io.pushgate.model.TopicNames;
import io.pushgate.hub.FeedStart;
import io.pushgate.sse.StreamPlan;
import io.pushgate.sse.Streams;
import io.pushgate.wire.EventIds;
import io.pushgate.wire.LastEventId;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The streams: {@code GET /topics/{t}/events} (one topic, unnamed events), {@code GET
 * /feeds/{f}/events} (one feed, unnamed events) and {@code GET /events?topic=a&feed=b} (several
 * topics and feeds, events named by topic or feed): checks the names and the node's stream limit,
 * reads {@code Last-Event-ID} (header, or the {@code lastEventId} query parameter that a page can
 * set) and {@code ?last=N}, and hands the connection over to an SSE stream. {@code HEAD} gets the
 * stream's head only. A name that is not public needs a token that grants it (401/403 are permanent
 * refusals: a browser's EventSource rightly stays closed).
 *
 * <p>Where a feed begins (README "Feeds"): with no id, live only, or the last N kept events with
 * {@code ?last=N}; with an id that names a cursor of the feed, after it; with any other id (malformed,
 * or not naming the feed), a reset and every kept event. On a stream that holds feeds the id is the
 * feeds' cursor, so topics get their latest version as on a first connect.
 *
 * <p>Thread rules: one shared instance per route, on the request's loop.
 */
final class StreamResource implements Resource {
    /** Which stream a route opens. */
    enum Kind {
        /** {@code /topics/{t}/events}: one topic from the path. */
        TOPIC,
        /** {@code /feeds/{f}/events}: one feed from the path. */
        FEED,
        /** {@code /events}: topics and feeds from the query, named events. */
        EVENTS
    }

    static final String INVALID_TOPIC = "invalid topic name (allowed: " + TopicNames.RULE + ")";
    static final String INVALID_FEED = "invalid feed name (allowed: " + TopicNames.RULE + ")";
    private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD);
    /** Room for an {@code access_token} in the query: an RS256 JWT with a few grants is about 1 KB. */
    static final int TOKEN_ROOM = 2048;
    /** A character of a query value may come percent-encoded ({@code encodeURIComponent} encodes {@code :}). */
    private static final int ENCODED = 3;

    private final Streams streams;
    private final Access access;
    private final int maxTopics;
    private final int feedCap;
    private final Kind kind;

    /** {@code maxTopics}: topics and feeds per stream; {@code feedCap}: the most {@code ?last=N} may ask for. */
    StreamResource(Streams streams, Access access, int maxTopics, int feedCap, Kind kind) {
        this.streams = streams;
        this.access = access;
        this.maxTopics = maxTopics;
        this.feedCap = feedCap;
        this.kind = kind;
    }

    /**
     * The longest request line of a legal stream request, {@code GET /events?topic=…&lastEventId=…&last=…&access_token=…
     * HTTP/1.1}: {@code maxTopics} topics of the longest name, the longest {@code lastEventId} (a cursor per
     * feed), every character percent-encoded, and a token of {@link #TOKEN_ROOM} bytes. The request-line
     * limit must take it, or a stream that every other limit allows would get 431.
     */
    static int longestRequestLine(int maxTopics) {
        int topics = maxTopics * ("topic=".length() + ENCODED * TopicNames.MAX_LENGTH + 1);
        int lastEventId = "lastEventId=".length() + ENCODED * EventIds.maxListLength(maxTopics) + 1;
        int last = "last=".length() + 10 + 1;
        int token = "access_token=".length() + TOKEN_ROOM;
        return "GET /events?".length() + topics + lastEventId + last + token + " HTTP/1.1".length();
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
    public void handle(Exchange exchange, String name) {
        Set<String> topics = new LinkedHashSet<>(switch (kind) {
            case TOPIC -> List.of(name);
            case FEED -> List.<String>of();
            case EVENTS -> exchange.query("topic");
        });
        Set<String> feeds = new LinkedHashSet<>(switch (kind) {
            case TOPIC -> List.<String>of();
            case FEED -> List.of(name);
            case EVENTS -> exchange.query("feed");
        });
        if (topics.isEmpty() && feeds.isEmpty()) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "name at least one topic or feed: /events?topic=a&feed=b");
            return;
        }
        if (topics.size() + feeds.size() > maxTopics) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "too many topics and feeds (at most " + maxTopics + ")");
            return;
        }
        if (!topics.stream().allMatch(TopicNames::isValid)) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, INVALID_TOPIC);
            return;
        }
        if (!feeds.stream().allMatch(TopicNames::isValid)) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, INVALID_FEED);
            return;
        }
        int last = last(exchange, feeds.isEmpty());
        if (last < 0) {
            return;
        }
        Set<String> names = new LinkedHashSet<>(topics);
        names.addAll(feeds);
        Access.Decision decision = access.read(exchange.token(), names);
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
        boolean named = kind == Kind.EVENTS;
        StreamPlan plan = feeds.isEmpty()
                ? StreamPlan.ofTopics(new ArrayList<>(topics), named, EventIds.parse(lastEventId))
                : new StreamPlan(new ArrayList<>(topics), null, new ArrayList<>(feeds),
                        feedStarts(feeds, named, lastEventId, last), named);
        exchange.openStream(streams, plan, decision.subject(), decision.until());
    }

    /** {@code ?last=N} (0 when absent), or -1 when it was refused (answered). */
    private int last(Exchange exchange, boolean noFeeds) {
        List<String> values = exchange.query("last");
        if (values.isEmpty()) {
            return 0;
        }
        long last;
        String value = values.get(0);
        try {
            last = value.length() > 18 ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            last = -1;
        }
        if (noFeeds || last < 0) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, noFeeds ? "?last=N is for streams of feeds"
                    : "?last=N: N is a number, 0 or more");
            return -1;
        }
        // More than a feed keeps gets what it keeps: a page cannot know the node's cap, and a 400
        // would close a browser's EventSource for good.
        return (int) Math.min(last, feedCap);
    }

    /** Where each feed begins, from the client's id (README "Feeds", replay rules). */
    private List<FeedStart> feedStarts(Set<String> feeds, boolean named, String lastEventId, int last) {
        List<FeedStart> starts = new ArrayList<>(feeds.size());
        if (lastEventId == null) {
            for (int i = 0; i < feeds.size(); i++) {
                starts.add(FeedStart.last(last));
            }
            return starts;
        }
        List<LastEventId> cursors = EventIds.parseList(lastEventId, maxTopics);
        for (String feed : feeds) {
            LastEventId cursor = null;
            if (cursors != null) {
                for (LastEventId c : cursors) {
                    if (c.describes(feed, named)) {
                        cursor = c;
                    }
                }
            }
            starts.add(cursor == null ? FeedStart.reset() : FeedStart.resume(cursor.epoch(), cursor.version()));
        }
        return starts;
    }
}
