package io.pushgate.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A subject's access taken back at {@code at} (a logout, a permission change): every node ends the
 * subject's open streams and refuses its tokens issued at or before {@code at}. Immutable.
 *
 * @param subject the tokens' {@code sub} claim; any text but empty
 * @param at      when it was revoked (the admin node's clock, whole milliseconds)
 */
public record Revocation(String subject, Instant at) {

    public Revocation {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(at, "at");
        if (subject.isEmpty()) {
            throw new IllegalArgumentException("empty subject");
        }
    }
}
