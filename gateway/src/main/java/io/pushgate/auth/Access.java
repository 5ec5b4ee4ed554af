package io.pushgate.auth;

import io.pushgate.config.AuthSettings;
import io.pushgate.model.Revocation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Decides one request: may this token publish to a topic, or read these topics. Asked once per
 * request (a publish, a read, the start of a stream), never per delivery. With no key configured
 * every request is allowed; with keys a publish needs a publish grant, and a read needs a
 * subscribe grant for every topic that is not public. A token of a revoked subject issued before
 * its revocation is refused ({@link Revocations}).
 *
 * <p>Thread rules: any thread.
 */
public final class Access {
    private static final String BEARER = "Bearer ";
    /**
     * The outcome: allowed, or refused with its status (401 for the token, 403 for the topic) and a
     * one-line reason. For an allowed read with a token: {@code subject}, whom a revocation ends
     * (null: the token names none), and {@code until}, when the token stops being valid ({@code exp}
     * plus the leeway; null when it does not expire). Both null when no token was needed.
     */
    public record Decision(int status, TokenVerifier.Failure failure, String reason, String subject, Instant until) {
        static final Decision ALLOWED = new Decision(200, null, null, null, null);

        static Decision refused(int status, TokenVerifier.Failure failure, String reason) {
            return new Decision(status, failure, reason, null, null);
        }

        public boolean allowed() {
            return status == 200;
        }
    }

    private final TokenVerifier verifier;
    private final List<TopicPattern> publicTopics;
    private final Duration leeway;
    private final Revocations revocations;

    private Access(TokenVerifier verifier, List<TopicPattern> publicTopics, AuthSettings settings) {
        this.verifier = verifier;
        this.publicTopics = publicTopics;
        this.leeway = settings.leeway();
        this.revocations = new Revocations(settings.revocationWindow(), Clock.systemUTC());
    }

    /** The access of {@code settings}; throws {@link IllegalArgumentException} naming what is wrong (a key file, a pattern). */
    public static Access of(AuthSettings settings) {
        List<TopicPattern> publicTopics = new ArrayList<>();
        for (String entry : settings.publicTopics()) {
            publicTopics.add(TopicPattern.parse(entry));
        }
        if (!settings.enabled()) {
            return new Access(null, publicTopics, settings);
        }
        return new Access(new TokenVerifier(settings.secretFile().orElse(null), settings.jwksFile().orElse(null),
                settings.audience().orElse(null), settings.issuer().orElse(null), settings.leeway(), Clock.systemUTC()),
                publicTopics, settings);
    }

    /** The token of an {@code Authorization: Bearer <token>} header value, or null for any other (or none). */
    public static String bearerToken(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? authorization.substring(BEARER.length()).trim() : null;
    }

    /** From now on, refuses the tokens of the revoked subject issued before {@code revocation}. */
    public void revoked(Revocation revocation) {
        revocations.add(revocation);
    }

    /** Whether tokens are checked at all. */
    public boolean enabled() {
        return verifier != null;
    }

    public Decision publish(String token, String topic) {
        if (verifier == null) {
            return Decision.ALLOWED;
        }
        TokenVerifier.Result result = verify(token);
        if (!result.ok()) {
            return Decision.refused(401, result.failure(), result.reason());
        }
        return result.principal().grants().mayPublish(topic) ? Decision.ALLOWED
                : Decision.refused(403, null, "token grants no publish to this topic");
    }

    /**
     * A revocation on the admin port: a token whose grants say {@code "revoke": true}. Without auth
     * there are no tokens to revoke, and anyone who reaches the admin port may send one.
     */
    public Decision revoke(String token) {
        if (verifier == null) {
            return Decision.ALLOWED;
        }
        TokenVerifier.Result result = verify(token);
        if (!result.ok()) {
            return Decision.refused(401, result.failure(), result.reason());
        }
        return result.principal().grants().revoke() ? Decision.ALLOWED
                : Decision.refused(403, null, "token grants no revoke");
    }

    /** A read of {@code topics}: public ones need nothing; the others a token that grants each of them. */
    public Decision read(String token, Collection<String> topics) {
        if (verifier == null) {
            return Decision.ALLOWED;
        }
        List<String> restricted = new ArrayList<>();
        for (String topic : topics) {
            if (!Grants.anyMatches(publicTopics, topic)) {
                restricted.add(topic);
            }
        }
        if (restricted.isEmpty()) {
            return Decision.ALLOWED;
        }
        TokenVerifier.Result result = verify(token);
        if (!result.ok()) {
            return Decision.refused(401, result.failure(), result.reason());
        }
        for (String topic : restricted) {
            if (!result.principal().grants().maySubscribe(topic)) {
                return Decision.refused(403, null, "token grants no subscribe to topic " + topic);
            }
        }
        TokenVerifier.Principal principal = result.principal();
        Instant expiresAt = principal.expiresAt();
        return new Decision(200, null, null, principal.subject(), expiresAt == null ? null : expiresAt.plus(leeway));
    }

    /** The token verified, then held against the revocations. */
    private TokenVerifier.Result verify(String token) {
        TokenVerifier.Result result = verifier.verify(token);
        if (result.ok() && revocations.refuses(result.principal().subject(), result.principal().issuedAt())) {
            return TokenVerifier.Result.refused(TokenVerifier.Failure.REVOKED, "token revoked");
        }
        return result;
    }
}
