package io.pushgate.model;

import java.util.Objects;

/**
 * What a broker keeps of a feed: the events {@code firstSeq}..{@code lastSeq} of {@code epoch}.
 * A feed with no state (never appended to, or its state was lost) has a {@code null} epoch and
 * both bounds 0; a feed whose events were all trimmed away keeps its epoch and
 * {@code firstSeq == lastSeq + 1}.
 */
public record FeedState(String feed, String epoch, long firstSeq, long lastSeq) {

    public FeedState {
        Objects.requireNonNull(feed, "feed");
    }

    /** The state of a feed that has none. */
    public static FeedState none(String feed) {
        return new FeedState(feed, null, 0, 0);
    }

    /** Whether the feed has a state (an epoch). */
    public boolean exists() {
        return epoch != null;
    }

    /**
     * Whether a client that holds ({@code cursorEpoch}, {@code cursorSeq}) can be brought up to date
     * from what is kept without a gap: same epoch, and nothing after its seq was trimmed away.
     */
    public boolean continues(String cursorEpoch, long cursorSeq) {
        return epoch != null && epoch.equals(cursorEpoch) && cursorSeq >= firstSeq - 1;
    }
}
