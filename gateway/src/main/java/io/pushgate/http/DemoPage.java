package io.pushgate.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The demo page, read once from the jar. Immutable. */
public final class DemoPage {
    private final byte[] html;

    private DemoPage(byte[] html) {
        this.html = html;
    }

    public static DemoPage load() {
        try (InputStream in = DemoPage.class.getResourceAsStream("/pushgate/demo.html")) {
            if (in == null) {
                throw new IllegalStateException("demo page missing from the jar");
            }
            return new DemoPage(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] html() {
        return html;
    }
}
