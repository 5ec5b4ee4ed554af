package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/** Error responses of the public port, one series per status (each from zero before its first error). */
final class HttpMeters {
    private HttpMeters() {
    }

    static void bind(MeterRegistry registry, HttpErrors errors) {
        for (int status : errors.statuses()) {
            series(registry, errors, status);
        }
        errors.onNewStatus(status -> series(registry, errors, status));
    }

    private static void series(MeterRegistry registry, HttpErrors errors, int status) {
        FunctionCounter.builder(NodeMetrics.HTTP_ERRORS, errors, e -> e.count(status))
                .description("Error responses of the public port, by status")
                .tag("status", Integer.toString(status)).register(registry);
    }
}
