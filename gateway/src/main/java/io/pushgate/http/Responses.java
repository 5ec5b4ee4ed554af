package io.pushgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import io.pushgate.sse.Streams;
import io.pushgate.wire.SseFrames;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/** Builders of the small full responses of the REST surface. Stateless. */
final class Responses {
    private Responses() {
    }

    /** A plain-text response; {@code reason} is one short line. */
    static FullHttpResponse text(HttpResponseStatus status, String reason) {
        return full(status, "text/plain; charset=utf-8",
                Unpooled.wrappedBuffer((reason + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    static FullHttpResponse full(HttpResponseStatus status, CharSequence contentType, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    static FullHttpResponse empty(HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    /**
     * A stream refused for now ({@code why}: one short line), the way a browser's EventSource
     * survives: {@code 200 text/event-stream}, a {@code retry:} of {@code retryMillis}, the end.
     */
    static FullHttpResponse streamRefusal(String why, long retryMillis) {
        FullHttpResponse response = full(HttpResponseStatus.OK, Streams.CONTENT_TYPE,
                Unpooled.wrappedBuffer(SseFrames.refusal(why, retryMillis)));
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        return closing(response);
    }

    /** The {@code Allow} header of a resource that takes {@code methods} (and OPTIONS), in a fixed order. */
    static String allow(Set<HttpMethod> methods) {
        StringJoiner allow = new StringJoiner(", ");
        for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.POST, HttpMethod.DELETE)) {
            if (methods.contains(method)) {
                allow.add(method.name());
            }
        }
        return allow.add(HttpMethod.OPTIONS.name()).toString();
    }

    /** Marks a response as the last one on its connection. */
    static FullHttpResponse closing(FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** A raw HTTP/1.1 response, for handlers that sit in front of the HTTP codec. */
    static ByteBuf raw(HttpResponseStatus status, String reason) {
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        return Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body);
    }
}
