package io.pushgate.auth;

import io.pushgate.model.Revocation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subjects revoked within the last {@code window}: a token of such a subject issued at or before
 * its revocation ({@code iat}, or no {@code iat} at all) is refused, so a client that was ended by
 * a revocation cannot come back with the token it had. A token issued after it is taken (a fresh
 * token with the new permissions). An entry is kept for {@code window}, which should be at least
 * the lifetime of the tokens an application issues; a later revocation of the same subject
 * replaces it.
 *
 * <p>Thread rules: any thread. Expired entries are dropped when looked at, and all of them each
 * time the map has grown by {@value #SWEEP_EVERY} since the last sweep.
 */
final class Revocations {
    private static final int SWEEP_EVERY = 1024;

    private final Duration window;
    private final Clock clock;
    private final Map<String, Instant> revokedAt = new ConcurrentHashMap<>();
    private volatile int sweepAt = SWEEP_EVERY;

    Revocations(Duration window, Clock clock) {
        this.window = window;
        this.clock = clock;
    }

    void add(Revocation revocation) {
        revokedAt.merge(revocation.subject(), revocation.at(), (old, now) -> now.isAfter(old) ? now : old);
        if (revokedAt.size() >= sweepAt) {
            sweep();
        }
    }

    /** Whether a token of {@code subject} issued at {@code issuedAt} (null: unknown) is refused. */
    boolean refuses(String subject, Instant issuedAt) {
        if (subject == null || revokedAt.isEmpty()) {
            return false;
        }
        Instant at = revokedAt.get(subject);
        if (at == null) {
            return false;
        }
        if (expired(at)) {
            revokedAt.remove(subject, at);
            return false;
        }
        // iat has whole seconds: a token of the revocation's own second counts as issued before it.
        return issuedAt == null || issuedAt.getEpochSecond() <= at.getEpochSecond();
    }

    /** Revocations held now (for tests and a gauge). */
    int size() {
        return revokedAt.size();
    }

    private boolean expired(Instant at) {
        return clock.instant().isAfter(at.plus(window));
    }

    private synchronized void sweep() {
        for (Iterator<Instant> it = revokedAt.values().iterator(); it.hasNext(); ) {
            if (expired(it.next())) {
                it.remove();
            }
        }
        sweepAt = revokedAt.size() + SWEEP_EVERY;
    }
}
