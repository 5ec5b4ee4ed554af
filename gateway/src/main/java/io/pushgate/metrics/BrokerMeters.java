package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The broker's health: connected, reconnects, resyncs, malformed pub/sub messages, and how followed keys are read. */
final class BrokerMeters {
    private BrokerMeters() {
    }

    static void bind(MeterRegistry registry, BrokerStats broker) {
        Gauge.builder(NodeMetrics.BROKER_CONNECTED, broker, b -> b.connected() ? 1 : 0)
                .description("1 while the broker is connected and subscribed, else 0").register(registry);
        FunctionCounter.builder(NodeMetrics.BROKER_RECONNECTS, broker, BrokerStats::reconnects)
                .description("Broker connections re-established after a loss").register(registry);
        FunctionCounter.builder(NodeMetrics.BROKER_RESYNCS, broker, BrokerStats::resyncs)
                .description("Re-reads of the served topics' state after a gap").register(registry);
        FunctionCounter.builder(NodeMetrics.BROKER_MALFORMED, broker, BrokerStats::malformed)
                .description("Messages on a topic channel (or topic hashes) that were not pushgate versions, skipped")
                .register(registry);
        FunctionCounter.builder(NodeMetrics.EPOCHS_RENEWED, broker, BrokerStats::epochsRenewed)
                .description("Topics this node moved to a new epoch after their stored version went back (an acknowledged publish lost in a Redis failover)").register(registry);
        FunctionCounter.builder(NodeMetrics.TOPICS_DELETED, broker, BrokerStats::deleted)
                .description("Topics whose stored state was deleted through this node (DELETE /topics/{t})").register(registry);
        FunctionCounter.builder(NodeMetrics.TOPICS_EXPIRED, broker, BrokerStats::expired)
                .description("Topics removed after --topic-ttl without a publish (embedded broker; Redis expires keys itself)")
                .register(registry);
        FunctionCounter.builder(NodeMetrics.FOLLOW_READ_FAILURES, broker, BrokerStats::followReadFailures)
                .description("Reads of topics followed from application keys that failed (errors, timeouts, a counter that is no integer)")
                .register(registry);
        Gauge.builder(NodeMetrics.FOLLOW_NOTIFIED, broker, b -> b.followNotified() ? 1 : 0)
                .description("1 while changes of followed keys arrive as keyspace notifications, 0 while they are polled")
                .register(registry);
    }
}
