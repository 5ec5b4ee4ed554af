package io.pushgate.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * A file of the jar served as is ({@code GET /}: the demo page, {@code GET /pushgate.js}: the
 * browser helper), read once at start. Browsers may keep it for a few minutes and then revalidate
 * with its {@code ETag} (a hash of the bytes, so it changes with the release, never between nodes).
 * Immutable; any thread.
 */
final class StaticResource implements Resource {
    private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD);
    /** Short, so a new release reaches open pages' next load within minutes. */
    private static final String CACHE_CONTROL = "max-age=300";

    private final byte[] body;
    private final String contentType;
    private final String etag;

    private StaticResource(byte[] body, String contentType) {
        this.body = body;
        this.contentType = contentType;
        this.etag = etag(body);
    }

    /** Reads {@code pathInJar} (e.g. {@code /pushgate/demo.html}); a file missing from the jar stops the start. */
    static StaticResource load(String pathInJar, String contentType) {
        try (InputStream in = StaticResource.class.getResourceAsStream(pathInJar)) {
            if (in == null) {
                throw new IllegalStateException(pathInJar + " missing from the jar");
            }
            return new StaticResource(in.readAllBytes(), contentType);
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
        exchange.respondTagged(etag, CACHE_CONTROL,
                () -> Responses.full(HttpResponseStatus.OK, contentType, Unpooled.wrappedBuffer(body)));
    }

    private static String etag(byte[] body) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(sha, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
