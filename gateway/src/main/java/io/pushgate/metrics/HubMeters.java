package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The hub's counts read at scrape time: topics served, versions conflated. */
final class HubMeters {
    private HubMeters() {
    }

    static void bind(MeterRegistry registry, HubStats hub) {
        Gauge.builder(NodeMetrics.TOPICS, hub, HubStats::topicCount)
                .description("Topics with local subscribers").register(registry);
        FunctionCounter.builder(NodeMetrics.CONFLATED, hub, HubStats::conflated)
                .description("Versions skipped for streams that were not writable (they get the newest one when writable again)")
                .register(registry);
    }
}
