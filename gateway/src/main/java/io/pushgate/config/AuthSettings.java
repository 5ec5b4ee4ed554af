package io.pushgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Who may publish and read: the key files tokens are verified with, the claims checked, and the
 * topics anyone may read. No key file: the node is open. Immutable.
 *
 * @param audience     the {@code aud} a token must name; empty: not checked
 * @param issuer       the {@code iss} a token must carry; empty: not checked
 * @param publicTopics topic patterns anyone may read without a token (a name, a prefix ending in {@code *}, or {@code *})
 * @param revocationWindow how long a revoked subject's older tokens stay refused (at least the tokens' lifetime)
 */
public record AuthSettings(Optional<Path> secretFile, Optional<Path> jwksFile, Optional<String> audience,
                           Optional<String> issuer, Duration leeway, List<String> publicTopics,
                           Duration revocationWindow) {

    public AuthSettings {
        publicTopics = List.copyOf(publicTopics);
        if (leeway.isNegative()) {
            throw new IllegalArgumentException("auth leeway must not be negative");
        }
        if (revocationWindow.isNegative()) {
            throw new IllegalArgumentException("auth revocation window must not be negative");
        }
    }

    /** Whether tokens are required (a key file is configured). */
    public boolean enabled() {
        return secretFile.isPresent() || jwksFile.isPresent();
    }
}
