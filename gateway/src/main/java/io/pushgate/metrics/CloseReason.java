package io.pushgate.metrics;

import java.util.Locale;

/**
 * Why a stream ended, as counted in {@code pushgate_connections_closed_total{reason}}. A small fixed
 * set, so every series exists from the start.
 */
public enum CloseReason {
    /** The client went away: it closed the connection or the connection broke (an I/O error). */
    CLIENT,
    /** The node closed it: a drain, or a stop. */
    DRAIN,
    /**
     * The node had lost its broker for longer than {@code --broker-loss-handoff} and handed its
     * streams to healthy nodes (a {@code retry:}, as in a drain).
     */
    BROKER_LOST,
    /** It stayed unwritable longer than {@code --slow-consumer-timeout}. */
    SLOW_CONSUMER,
    /** Its token expired (the stream got a {@code pushgate.closed} event saying so). */
    TOKEN_EXPIRED,
    /** Its token's subject was revoked on the admin port (the stream got a {@code pushgate.closed} event). */
    REVOKED,
    /** An unexpected exception on the stream (logged at ERROR). */
    ERROR;

    /** The label value: {@code client}, {@code drain}, {@code broker_lost}, {@code slow_consumer}, {@code token_expired}, {@code revoked}, {@code error}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
