package io.pushgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pushgate.auth.Access;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.FeedState;
import io.pushgate.model.PublishOutcomeUnknown;
import io.pushgate.model.TopicNames;
import io.pushgate.topics.Feeds;
import io.pushgate.wire.EventIds;
import io.pushgate.wire.LastEventId;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * {@code /feeds/{f}}: {@code POST} appends the body (UTF-8) as the feed's next event and answers
 * {@code {"feed":"f","id":"<seq>-<epoch>"}}; {@code GET}/{@code HEAD} answer its kept events as JSON,
 * {@code ?after=<seq>-<epoch>&limit=N} (limit 100 by default, at most {@code --feed-cap}; without
 * {@code after}, from the oldest kept): {@code {"feed","epoch","first","last","reset","events":[{"id","ts","text"}]}},
 * where {@code reset} says that {@code after} cannot be continued (the replay rules of a stream would
 * reset) and the events are then the oldest kept. With keys configured an append needs a publish
 * grant, a read of a feed that is not public a subscribe grant.
 *
 * <p>Thread rules: one shared instance, on the request's loop; broker answers come back there.
 */
final class FeedResource implements Resource {
    private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST);
    static final int DEFAULT_LIMIT = 100;

    private final Feeds feeds;
    private final Access access;

    FeedResource(Feeds feeds, Access access) {
        this.feeds = feeds;
        this.access = access;
    }

    @Override
    public Set<HttpMethod> methods() {
        return METHODS;
    }

    @Override
    public void handle(Exchange exchange, String feed) {
        if (!TopicNames.isValid(feed)) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, StreamResource.INVALID_FEED);
        } else if (exchange.method().equals(HttpMethod.POST)) {
            if (!exchange.denied(access.publish(exchange.token(), feed))) {
                append(exchange, feed);
            }
        } else if (!exchange.denied(access.read(exchange.token(), List.of(feed)))) {
            read(exchange, feed);
        }
    }

    private void append(Exchange exchange, String feed) {
        ByteBuf body = exchange.request().content();
        if (!ByteBufUtil.isText(body, StandardCharsets.UTF_8)) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "text is not valid UTF-8");
            return;
        }
        exchange.await(feeds.append(feed, ByteBufUtil.getBytes(body)), (event, failure) -> {
            if (failure == null) {
                StringBuilder json = new StringBuilder("{\"feed\":");
                JsonText.append(json, event.feed()).append(",\"id\":\"").append(EventIds.of(event.seq(), event.epoch()))
                        .append("\"}");
                exchange.respond(Responses.full(HttpResponseStatus.OK, "application/json", utf8(json)));
            } else if (unwrap(failure) instanceof PublishOutcomeUnknown unknown) {
                exchange.outcomeUnknown(unknown, "append outcome unknown: no answer from the broker in time; the event may"
                        + " have been appended and will not be appended later; GET the feed to see");
            } else {
                exchange.brokerDown(failure);
            }
        });
    }

    private void read(Exchange exchange, String feed) {
        int limit = limit(exchange);
        if (limit < 0) {
            return;
        }
        List<String> afterValues = exchange.query("after");
        // As on a stream: an id that does not parse cannot be continued, so it gets a reset and the oldest kept.
        LastEventId after = afterValues.isEmpty() ? null : EventIds.parse(afterValues.get(0));
        boolean resets = !afterValues.isEmpty() && (after == null || after.topic() != null);
        long afterSeq = resets || after == null ? 0 : after.version();
        exchange.await(feeds.history(feed, afterSeq, limit), (history, failure) -> {
            if (failure != null) {
                exchange.brokerDown(failure);
            } else if (after != null && !resets && !history.state().continues(after.epoch(), after.version())) {
                // Another epoch, or older than what is kept: the oldest kept instead, flagged.
                exchange.await(feeds.history(feed, 0, limit), (oldest, again) -> {
                    if (again != null) {
                        exchange.brokerDown(again);
                    } else {
                        respond(exchange, oldest, true);
                    }
                });
            } else {
                respond(exchange, history, resets);
            }
        });
    }

    /** {@code limit} (default {@link #DEFAULT_LIMIT}, at most the cap), or -1 when refused (answered). */
    private int limit(Exchange exchange) {
        List<String> values = exchange.query("limit");
        if (values.isEmpty()) {
            return Math.min(DEFAULT_LIMIT, feeds.cap());
        }
        int limit;
        try {
            limit = Integer.parseInt(values.get(0));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 0 || limit > feeds.cap()) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "limit is a number from 0 to " + feeds.cap() + " (--feed-cap)");
            return -1;
        }
        return limit;
    }

    private static void respond(Exchange exchange, FeedHistory history, boolean reset) {
        FeedState state = history.state();
        StringBuilder json = new StringBuilder(256).append("{\"feed\":");
        JsonText.append(json, state.feed()).append(",\"epoch\":");
        if (state.exists()) {
            JsonText.append(json, state.epoch());
        } else {
            json.append("null");
        }
        json.append(",\"first\":").append(state.firstSeq()).append(",\"last\":").append(state.lastSeq())
                .append(",\"reset\":").append(reset).append(",\"events\":[");
        boolean first = true;
        for (FeedEvent event : history.events()) {
            json.append(first ? "" : ",").append("{\"id\":\"").append(EventIds.of(event.seq(), event.epoch()))
                    .append("\",\"ts\":").append(event.publishedMicros()).append(",\"text\":");
            JsonText.append(json, new String(event.text(), StandardCharsets.UTF_8)).append('}');
            first = false;
        }
        json.append("]}");
        var response = Responses.full(HttpResponseStatus.OK, "application/json", utf8(json));
        response.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        exchange.respond(response);
    }

    private static ByteBuf utf8(CharSequence json) {
        return Unpooled.wrappedBuffer(json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
