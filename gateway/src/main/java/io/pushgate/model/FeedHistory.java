package io.pushgate.model;

import java.util.List;
import java.util.Objects;

/**
 * A read of a feed: what is kept ({@code state}) and the kept events after the cursor the read
 * asked for, ascending by seq, at most the limit it gave.
 */
public record FeedHistory(FeedState state, List<FeedEvent> events) {

    public FeedHistory {
        Objects.requireNonNull(state, "state");
        events = List.copyOf(events);
    }
}
