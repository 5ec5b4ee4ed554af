package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The feeds' counts read at scrape time: feeds served, appends, events replayed, resets. */
final class FeedMeters {
    private FeedMeters() {
    }

    static void bind(MeterRegistry registry, FeedStats feeds) {
        Gauge.builder(NodeMetrics.FEEDS, feeds, FeedStats::feedCount)
                .description("Feeds with local subscribers").register(registry);
        FunctionCounter.builder(NodeMetrics.FEED_APPENDS, feeds, FeedStats::appends)
                .description("Events appended to feeds through this node (POST /feeds/{f})").register(registry);
        FunctionCounter.builder(NodeMetrics.FEED_EVENTS_REPLAYED, feeds, FeedStats::replayed)
                .description("Feed events written from a catch-up, not the live fan-out: after a Last-Event-ID, ?last=N, "
                        + "a reset, or to a slow stream writable again")
                .register(registry);
        FunctionCounter.builder(NodeMetrics.FEED_RESETS, feeds, FeedStats::resets)
                .description("pushgate.reset events written: a stream missed feed events that are no longer kept")
                .register(registry);
    }
}
