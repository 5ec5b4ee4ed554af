package io.pushgate.sse;

/**
 * What a stream opened with a token keeps of it: the token's subject, whose revocation ends the
 * stream (null: the token names none), and when the token expires, as a {@code System.nanoTime()}
 * deadline (0: never). A stream opened without a token keeps none. Immutable.
 */
record Bearer(String subject, long expires) {

    /** Whether the token has expired at {@code now} (a {@code System.nanoTime()}). */
    boolean expiredAt(long now) {
        return expires != 0 && expires - now <= 0;
    }

    boolean is(String subject) {
        return subject.equals(this.subject);
    }
}
