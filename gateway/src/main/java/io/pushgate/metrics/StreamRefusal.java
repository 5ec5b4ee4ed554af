package io.pushgate.metrics;

import java.util.Locale;

/**
 * Why a stream was refused for now (README, "Limits and refusals"): answered {@code 200
 * text/event-stream} with a {@code retry:} and an immediate end, so a browser's EventSource comes
 * back later, perhaps on another node; counted in {@code pushgate_stream_refusals_total{reason}}.
 * A small fixed set, so every series exists from the start.
 */
public enum StreamRefusal {
    /** The connection came above {@code --accept-rate}. */
    ACCEPT_RATE,
    /** The node holds its stream cap ({@code --max-streams}, or what its open-file limit allows). */
    STREAM_LIMIT;

    /** The label value: {@code accept_rate}, {@code stream_limit}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
