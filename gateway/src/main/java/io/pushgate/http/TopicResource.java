package io.pushgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pushgate.auth.Access;
import io.pushgate.model.IfMatch;
import io.pushgate.model.PreconditionFailed;
import io.pushgate.model.PublishOutcomeUnknown;
import io.pushgate.model.PublishRefused;
import io.pushgate.model.TopicNames;
import io.pushgate.model.TopicVersion;
import io.pushgate.topics.Topics;
import io.pushgate.wire.EventIds;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * {@code /topics/{t}}: {@code GET}/{@code HEAD} answer the latest text with its {@code ETag}
 * ({@code "<version>-<epoch>"}) and honour {@code If-None-Match}; {@code PUT} publishes the body
 * (UTF-8) as the next version and answers {@code {"topic":"t","version":N,"epoch":"…"}}; with
 * {@code If-Match} only on that state (else 412 with the current {@code ETag}); {@code DELETE}
 * deletes its stored state (204; 404 when it has none; {@code If-Match} as for PUT), its streams are
 * told and stay open; a topic followed from an application's Redis keys is neither published nor
 * deleted this way (409). With keys configured a publish or delete needs a publish grant, a read of
 * a topic that is not public a subscribe grant.
 *
 * <p>Thread rules: one shared instance, on the request's loop; broker answers come back there.
 */
final class TopicResource implements Resource {
    private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT,
            HttpMethod.DELETE);

    /** Marks an If-Match header that was malformed (and answered). */
    private static final IfMatch BAD_IF_MATCH = new IfMatch("bad", -1);

    private final Topics topics;
    private final Access access;

    TopicResource(Topics topics, Access access) {
        this.topics = topics;
        this.access = access;
    }

    @Override
    public Set<HttpMethod> methods() {
        return METHODS;
    }

    @Override
    public void handle(Exchange exchange, String topic) {
        if (!TopicNames.isValid(topic)) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, StreamResource.INVALID_TOPIC);
        } else if (exchange.method().equals(HttpMethod.PUT)) {
            if (!exchange.denied(access.publish(exchange.token(), topic))) {
                publish(exchange, topic);
            }
        } else if (exchange.method().equals(HttpMethod.DELETE)) {
            // Deleting is writing: the grant to publish the topic allows it.
            if (!exchange.denied(access.publish(exchange.token(), topic))) {
                delete(exchange, topic);
            }
        } else if (!exchange.denied(access.read(exchange.token(), List.of(topic)))) {
            read(exchange, topic);
        }
    }

    private void read(Exchange exchange, String topic) {
        exchange.await(topics.latest(topic), (latest, failure) -> {
            if (failure != null) {
                exchange.brokerDown(failure);
            } else if (latest == null) {
                exchange.fail(HttpResponseStatus.NOT_FOUND, "topic has no version yet");
            } else {
                exchange.respondTagged(etag(latest), HttpHeaderValues.NO_CACHE, () -> Responses.full(HttpResponseStatus.OK,
                        "text/plain; charset=utf-8", Unpooled.wrappedBuffer(latest.text())));
            }
        });
    }

    private void publish(Exchange exchange, String topic) {
        ByteBuf body = exchange.request().content();
        if (!ByteBufUtil.isText(body, StandardCharsets.UTF_8)) {
            exchange.fail(HttpResponseStatus.BAD_REQUEST, "text is not valid UTF-8");
            return;
        }
        IfMatch ifMatch = ifMatch(exchange);
        if (ifMatch == BAD_IF_MATCH) {
            return;
        }
        exchange.await(topics.publish(topic, ByteBufUtil.getBytes(body), ifMatch), (published, failure) -> {
            if (failure != null) {
                publishFailed(exchange, failure);
                return;
            }
            String json = "{\"topic\":\"" + published.topic() + "\",\"version\":" + published.version()
                    + ",\"epoch\":\"" + published.epoch() + "\"}";
            FullHttpResponse response = Responses.full(HttpResponseStatus.OK, "application/json",
                    Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)));
            response.headers().set(HttpHeaderNames.ETAG, etag(published));
            exchange.respond(response);
        });
    }

    /** 204 when the topic's state was deleted, 404 when it had none; failures as for a publish. */
    private void delete(Exchange exchange, String topic) {
        IfMatch ifMatch = ifMatch(exchange);
        if (ifMatch == BAD_IF_MATCH) {
            return;
        }
        exchange.await(topics.delete(topic, ifMatch), (deleted, failure) -> {
            if (failure != null) {
                publishFailed(exchange, failure);
            } else if (deleted == null) {
                exchange.fail(HttpResponseStatus.NOT_FOUND, "topic has no version");
            } else {
                FullHttpResponse response = Responses.empty(HttpResponseStatus.NO_CONTENT);
                response.headers().remove(HttpHeaderNames.CONTENT_LENGTH); // a 204 has no body and no length (RFC 9110)
                exchange.respond(response);
            }
        });
    }

    /** The request's If-Match, null when it has none; {@link #BAD_IF_MATCH} when it is malformed, answered 412. */
    private static IfMatch ifMatch(Exchange exchange) {
        String condition = exchange.request().headers().get(HttpHeaderNames.IF_MATCH);
        if (condition == null) {
            return null;
        }
        IfMatch ifMatch = EventIds.parseIfMatch(condition);
        if (ifMatch == null) {
            exchange.fail(HttpResponseStatus.PRECONDITION_FAILED, "If-Match must be * or one \"<version>-<epoch>\"");
            return BAD_IF_MATCH;
        }
        return ifMatch;
    }

    /**
     * 412 (with the current ETag) for a condition that did not hold, 409 for a topic whose source is
     * not a publish (followed from an application's keys), 504 for an unknown outcome, else 503.
     */
    private static void publishFailed(Exchange exchange, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof PreconditionFailed current) {
            if (current.epoch() == null) {
                exchange.failTagged(HttpResponseStatus.PRECONDITION_FAILED, "If-Match: the topic has no version yet", null);
            } else {
                exchange.failTagged(HttpResponseStatus.PRECONDITION_FAILED, "If-Match: the topic is at another version",
                        etag(current.version(), current.epoch()));
            }
        } else if (cause instanceof PublishRefused refused) {
            exchange.fail(HttpResponseStatus.CONFLICT, refused.getMessage());
        } else if (cause instanceof PublishOutcomeUnknown) {
            exchange.outcomeUnknown(cause);
        } else {
            exchange.brokerDown(failure);
        }
    }

    private static String etag(TopicVersion v) {
        return etag(v.version(), v.epoch());
    }

    private static String etag(long version, String epoch) {
        return "\"" + EventIds.of(version, epoch) + "\"";
    }
}
