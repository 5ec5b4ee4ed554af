package io.pushgate.hub;

/**
 * How a stream wants a topic's versions framed, one shared frame per variant: unnamed with
 * {@code id:} (a stream of one topic), named by the topic with {@code id:} (several topics), or
 * named without {@code id:} (a stream that holds feeds, whose last event id stays the feeds' cursor).
 */
public enum Framing {
    PLAIN, NAMED, NAMED_WITHOUT_ID;

    /** {@link #NAMED} or {@link #PLAIN}. */
    public static Framing of(boolean named) {
        return named ? NAMED : PLAIN;
    }
}
