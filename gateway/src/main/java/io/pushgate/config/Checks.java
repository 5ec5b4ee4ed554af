package io.pushgate.config;

import java.time.Duration;

/** The range checks the settings records share. Stateless. */
final class Checks {
    private Checks() {
    }

    static void port(int port, String what) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " out of range: " + port);
        }
    }

    static void positive(Duration duration, String what) {
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }
}
