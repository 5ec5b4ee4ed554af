package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Error responses of the public port, one series per status (each from zero before its first
 * error), and streams refused for now, one series per reason.
 */
final class HttpMeters {
    private HttpMeters() {
    }

    static void bind(MeterRegistry registry, HttpErrors errors) {
        for (int status : errors.statuses()) {
            series(registry, errors, status);
        }
        errors.onNewStatus(status -> series(registry, errors, status));
        for (StreamRefusal reason : StreamRefusal.values()) {
            FunctionCounter.builder(NodeMetrics.STREAM_REFUSALS, errors, e -> e.refusals(reason))
                    .description("Streams refused for now (200 text/event-stream with a retry: and an immediate end), by reason")
                    .tag("reason", reason.label()).register(registry);
        }
    }

    private static void series(MeterRegistry registry, HttpErrors errors, int status) {
        FunctionCounter.builder(NodeMetrics.HTTP_ERRORS, errors, e -> e.count(status))
                .description("Error responses of the public port, by status")
                .tag("status", Integer.toString(status)).register(registry);
    }
}
