package io.pushgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.EventLoopGroup;
import io.pushgate.broker.Broker;
import io.pushgate.hub.TopicHub;
import io.pushgate.sse.Streams;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Every meter of a node, registered here and nowhere else, with the names of DESIGN.md ("Metrics")
 * and a common {@code node} tag. Micrometer names are dotted; the Prometheus registry writes them
 * with underscores and adds {@code _total} to counters and {@code _seconds} to timers
 * ({@code pushgate.delivery.latency} becomes {@code pushgate_delivery_latency_seconds}).
 *
 * <p>Counts that the node keeps anyway ({@link Streams}, {@link TopicHub#conflated()}, {@link HttpErrors},
 * the {@link Broker}'s) are read at scrape time by function counters and gauges; the fan-out records
 * through {@link #hub()}.
 *
 * <p>Thread rules: construct and {@link #bind} once, from the thread that starts the node; scrape
 * from any thread.
 */
public final class NodeMetrics implements AutoCloseable {
    static final String CONNECTIONS = "pushgate.connections";
    static final String CONNECTIONS_OPENED = "pushgate.connections.opened";
    static final String CONNECTIONS_CLOSED = "pushgate.connections.closed";
    static final String TOPICS = "pushgate.topics";
    static final String PUBLISHES = "pushgate.publishes";
    static final String DELIVERIES = "pushgate.deliveries";
    static final String DELIVERY_LATENCY = "pushgate.delivery.latency";
    static final String FAN_OUT = "pushgate.fanout";
    static final String CONFLATED = "pushgate.conflated";
    static final String SLOW_CONSUMER_DISCONNECTS = "pushgate.slow.consumer.disconnects";
    static final String HTTP_ERRORS = "pushgate.http.errors";
    static final String BROKER_CONNECTED = "pushgate.broker.connected";
    static final String BROKER_RECONNECTS = "pushgate.broker.reconnects";
    static final String BROKER_RESYNCS = "pushgate.broker.resyncs";

    /** The exposition formats: OpenMetrics for scrapers that ask for it, else the Prometheus text format. */
    public static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final FanOutMeters fanOut;
    private JvmGcMetrics gc;

    /** A registry whose every meter carries {@code node=nodeName}, with the fan-out's meters. */
    public NodeMetrics(String nodeName) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", nodeName);
        this.fanOut = new FanOutMeters(registry);
    }

    /** What the hub records into. */
    public FanOutRecorder hub() {
        return fanOut;
    }

    /** Registers the node's gauges and counters over its parts, and the JVM, process and Netty binders. */
    public void bind(TopicHub hub, Streams streams, HttpErrors errors, Broker broker, EventLoopGroup workers,
                     java.util.List<ByteBufAllocator> allocators) {
        Gauge.builder(CONNECTIONS, streams, Streams::count)
                .description("Open SSE streams").register(registry);
        FunctionCounter.builder(CONNECTIONS_OPENED, streams, Streams::opened)
                .description("SSE streams opened").register(registry);
        for (CloseReason reason : CloseReason.values()) {
            FunctionCounter.builder(CONNECTIONS_CLOSED, streams, s -> s.closed(reason))
                    .description("SSE streams closed, by reason: client, drain, slow_consumer, error")
                    .tag("reason", reason.label()).register(registry);
        }
        Gauge.builder(TOPICS, hub, TopicHub::topicCount)
                .description("Topics with local subscribers").register(registry);
        FunctionCounter.builder(CONFLATED, hub, TopicHub::conflated)
                .description("Versions skipped for streams that were not writable (they get the newest one when they drain)")
                .register(registry);
        FunctionCounter.builder(SLOW_CONSUMER_DISCONNECTS, streams, Streams::slowDisconnects)
                .description("Streams closed because they stayed unwritable past --slow-consumer-timeout")
                .register(registry);
        for (int status : errors.statuses()) {
            httpErrors(errors, status);
        }
        errors.onNewStatus(status -> httpErrors(errors, status));
        Gauge.builder(BROKER_CONNECTED, broker, b -> b.connected() ? 1 : 0)
                .description("1 while the broker is connected and subscribed, else 0").register(registry);
        FunctionCounter.builder(BROKER_RECONNECTS, broker, Broker::reconnects)
                .description("Broker connections re-established after a loss").register(registry);
        FunctionCounter.builder(BROKER_RESYNCS, broker, Broker::resyncs)
                .description("Re-reads of the served topics' state after a gap").register(registry);

        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        for (ByteBufAllocator alloc : allocators) {
            if (alloc instanceof ByteBufAllocatorMetricProvider provider) {
                new NettyAllocatorMetrics(provider).bindTo(registry);
            }
        }
        new NettyEventExecutorMetrics(workers).bindTo(registry);
    }

    private void httpErrors(HttpErrors errors, int status) {
        FunctionCounter.builder(HTTP_ERRORS, errors, e -> e.count(status))
                .description("Error responses of the public port, by status")
                .tag("status", Integer.toString(status)).register(registry);
    }

    /** The format to answer a scrape with, from its {@code Accept} header (may be null). */
    public static String contentType(String accept) {
        return accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
    }

    /** Writes every meter to {@code out} in {@code contentType}, one of {@link #OPENMETRICS} and {@link #PROMETHEUS_TEXT}. */
    public void scrape(OutputStream out, String contentType) throws IOException {
        registry.scrape(out, contentType);
    }

    @Override
    public void close() {
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }
}
