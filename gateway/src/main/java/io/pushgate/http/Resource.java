package io.pushgate.http;

import io.netty.handler.codec.http.HttpMethod;

import java.util.Set;

/**
 * One URL of the REST surface. The router answers {@code OPTIONS} and methods not in
 * {@link #methods()} (405 with {@code Allow}) itself; a resource handles the rest.
 *
 * <p>Thread rules: one shared instance, called on the request's event loop; it holds no
 * per-request state.
 */
interface Resource {

    /** The methods this resource answers, besides {@code OPTIONS}. */
    Set<HttpMethod> methods();

    /** Whether a GET here opens a stream (so a temporary refusal answers the way an EventSource survives). */
    default boolean streams() {
        return false;
    }

    /** Answers {@code exchange}; {@code param} is the path parameter of the route ({@code null} if none). */
    void handle(Exchange exchange, String param);
}
