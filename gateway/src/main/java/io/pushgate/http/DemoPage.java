package io.pushgate.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/** {@code GET /}: the demo page, read once from the jar. Immutable; any thread. */
final class DemoPage implements Resource {
    private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD);
    private final byte[] html;

    private DemoPage(byte[] html) {
        this.html = html;
    }

    static DemoPage load() {
        try (InputStream in = DemoPage.class.getResourceAsStream("/pushgate/demo.html")) {
            if (in == null) {
                throw new IllegalStateException("demo page missing from the jar");
            }
            return new DemoPage(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Set<HttpMethod> methods() {
        return METHODS;
    }

    @Override
    public void handle(Exchange exchange, String param) {
        exchange.respond(Responses.full(HttpResponseStatus.OK, "text/html; charset=utf-8", Unpooled.wrappedBuffer(html)));
    }
}
