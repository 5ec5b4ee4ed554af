package io.pushgate.hub;

/**
 * Where a new subscription of a feed begins (README "Feeds", replay rules): live only, the last
 * {@code n} kept events, after a cursor the client holds, or with a reset (the client holds an id
 * that names nothing this feed can continue from).
 *
 * @param kind  which of the four
 * @param epoch the cursor's epoch ({@link Kind#RESUME} only)
 * @param seq   the cursor's seq ({@link Kind#RESUME}), or the number of events ({@link Kind#LAST})
 */
public record FeedStart(Kind kind, String epoch, long seq) {

    public enum Kind { LIVE, LAST, RESUME, RESET }

    private static final FeedStart LIVE = new FeedStart(Kind.LIVE, null, 0);
    private static final FeedStart RESET = new FeedStart(Kind.RESET, null, 0);

    /** Live events only. */
    public static FeedStart live() {
        return LIVE;
    }

    /** The last {@code n} kept events first (live only when 0). */
    public static FeedStart last(int n) {
        return n == 0 ? LIVE : new FeedStart(Kind.LAST, null, n);
    }

    /** After ({@code epoch}, {@code seq}), the cursor the client holds. */
    public static FeedStart resume(String epoch, long seq) {
        return new FeedStart(Kind.RESUME, epoch, seq);
    }

    /** A reset, then every kept event: the client holds an id this feed cannot continue from. */
    public static FeedStart reset() {
        return RESET;
    }
}
