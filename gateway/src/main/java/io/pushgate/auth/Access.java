package io.pushgate.auth;

import io.pushgate.config.AuthSettings;

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
 * subscribe grant for every topic that is not public.
 *
 * <p>Thread rules: any thread.
 */
public final class Access {
    /**
     * The outcome: allowed, or refused with its status (401 for the token, 403 for the topic) and a
     * one-line reason. {@code until}: when an allowed read's token stops being valid ({@code exp}
     * plus the leeway), null when it does not expire or no token was needed.
     */
    public record Decision(int status, TokenVerifier.Failure failure, String reason, Instant until) {
        static final Decision ALLOWED = new Decision(200, null, null, null);

        static Decision refused(int status, TokenVerifier.Failure failure, String reason) {
            return new Decision(status, failure, reason, null);
        }

        public boolean allowed() {
            return status == 200;
        }
    }

    private final TokenVerifier verifier;
    private final List<TopicPattern> publicTopics;
    private final Duration leeway;

    private Access(TokenVerifier verifier, List<TopicPattern> publicTopics, Duration leeway) {
        this.verifier = verifier;
        this.publicTopics = publicTopics;
        this.leeway = leeway;
    }

    /** The access of {@code settings}; throws {@link IllegalArgumentException} naming what is wrong (a key file, a pattern). */
    public static Access of(AuthSettings settings) {
        List<TopicPattern> publicTopics = new ArrayList<>();
        for (String entry : settings.publicTopics()) {
            publicTopics.add(TopicPattern.parse(entry));
        }
        if (!settings.enabled()) {
            return new Access(null, publicTopics, settings.leeway());
        }
        return new Access(new TokenVerifier(settings.secretFile().orElse(null), settings.jwksFile().orElse(null),
                settings.audience().orElse(null), settings.issuer().orElse(null), settings.leeway(), Clock.systemUTC()),
                publicTopics, settings.leeway());
    }

    /** Whether tokens are checked at all. */
    public boolean enabled() {
        return verifier != null;
    }

    public Decision publish(String token, String topic) {
        if (verifier == null) {
            return Decision.ALLOWED;
        }
        TokenVerifier.Result result = verifier.verify(token);
        if (!result.ok()) {
            return Decision.refused(401, result.failure(), result.reason());
        }
        return result.principal().grants().mayPublish(topic) ? Decision.ALLOWED
                : Decision.refused(403, null, "token grants no publish to this topic");
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
        TokenVerifier.Result result = verifier.verify(token);
        if (!result.ok()) {
            return Decision.refused(401, result.failure(), result.reason());
        }
        for (String topic : restricted) {
            if (!result.principal().grants().maySubscribe(topic)) {
                return Decision.refused(403, null, "token grants no subscribe to topic " + topic);
            }
        }
        Instant expiresAt = result.principal().expiresAt();
        return new Decision(200, null, null, expiresAt == null ? null : expiresAt.plus(leeway));
    }
}
