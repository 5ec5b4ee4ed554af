package io.pushgate.model;

import java.util.Objects;

/**
 * One event appended to a feed: immutable, shared by every thread that sees it.
 *
 * <p>{@code seq} is 1, 2, 3… within {@code epoch}, one per append, without holes; {@code text} is
 * the UTF-8 encoding of the text, never written to after construction.
 */
public record FeedEvent(String feed, String epoch, long seq, long publishedMicros, byte[] text) {

    public FeedEvent {
        Objects.requireNonNull(feed, "feed");
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(text, "text");
    }
}
