package io.pushgate.config;

/**
 * How many events a feed keeps, for either broker and for the node's window of a served feed;
 * immutable.
 *
 * @param cap the events a feed keeps (the oldest are trimmed first; Redis trims approximately,
 *            {@code XADD ... MAXLEN ~}); also the most a node holds of a served feed in memory and
 *            the most {@code ?last=N} and a history read's {@code limit} may ask for
 */
public record FeedSettings(int cap) {

    /** The default cap. */
    public static final FeedSettings DEFAULT = new FeedSettings(Defaults.FEED_CAP);

    public FeedSettings {
        if (cap < 1) {
            throw new IllegalArgumentException("--feed-cap must be at least 1");
        }
    }
}
