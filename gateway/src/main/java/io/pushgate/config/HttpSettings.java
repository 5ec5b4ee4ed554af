package io.pushgate.config;

import java.time.Duration;
import java.util.List;

/**
 * The limits of the REST surface and of the requests that open streams. Immutable.
 *
 * @param maxInitialLine the longest request line (431); 0: long enough for the longest legal stream
 *                       request, which the HTTP layer works out from the other limits
 * @param headerTimeout a request must arrive whole within it (408); also how long an idle
 *                      keep-alive connection stays
 * @param acceptRate    new connections per second; 0 means no limit
 * @param corsOrigins   origins allowed from a browser; {@code *} any; empty none
 */
public record HttpSettings(int maxInitialLine, int maxHeaderSize, Duration headerTimeout, int maxText,
                           int maxTopicsPerStream, int acceptRate, List<String> corsOrigins) {

    public HttpSettings {
        corsOrigins = List.copyOf(corsOrigins);
        if (maxTopicsPerStream < 1 || maxText < 0 || maxInitialLine < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        Checks.positive(headerTimeout, "header timeout");
    }
}
