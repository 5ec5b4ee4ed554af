package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The meters of the stream registry: open, opened, closed by reason, slow-consumer disconnects. */
final class StreamMeters {
    private StreamMeters() {
    }

    static void bind(MeterRegistry registry, StreamStats streams) {
        Gauge.builder(NodeMetrics.CONNECTIONS, streams, StreamStats::count)
                .description("Open SSE streams").register(registry);
        FunctionCounter.builder(NodeMetrics.CONNECTIONS_OPENED, streams, StreamStats::opened)
                .description("SSE streams opened").register(registry);
        for (CloseReason reason : CloseReason.values()) {
            FunctionCounter.builder(NodeMetrics.CONNECTIONS_CLOSED, streams, s -> s.closed(reason))
                    .description("SSE streams closed, by reason: client, drain, slow_consumer, token_expired, error")
                    .tag("reason", reason.label()).register(registry);
        }
        FunctionCounter.builder(NodeMetrics.SLOW_CONSUMER_DISCONNECTS, streams, StreamStats::slowDisconnects)
                .description("Streams closed because they stayed unwritable past --slow-consumer-timeout")
                .register(registry);
    }
}
