package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Refused tokens, one series per reason. */
final class AuthMeters {
    private AuthMeters() {
    }

    static void bind(MeterRegistry registry, AuthFailures failures) {
        for (Map.Entry<String, LongAdder> reason : failures.series().entrySet()) {
            FunctionCounter.builder(NodeMetrics.AUTH_FAILURES, reason.getValue(), LongAdder::sum)
                    .description("Requests refused for their token (401), by reason")
                    .tag("reason", reason.getKey()).register(registry);
        }
    }
}
