package io.pushgate.metrics;

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

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * Every meter of a node, registered in this package and nowhere else, with the names of README "Metrics"
 * and a common {@code node} tag. Micrometer names are dotted; the Prometheus registry writes them
 * with underscores and adds {@code _total} to counters and {@code _seconds} to timers
 * ({@code pushgate.delivery.latency} becomes {@code pushgate_delivery_latency_seconds}).
 *
 * <p>Counts that the node keeps anyway ({@link StreamStats}, {@link HubStats}, {@link FeedStats},
 * {@link HttpErrors}, {@link BrokerStats}) are read at scrape time by function counters and gauges,
 * each bound by a small binder ({@link StreamMeters}, {@link HubMeters}, {@link FeedMeters},
 * {@link HttpMeters}, {@link BrokerMeters});
 * the fan-out records through {@link #fanOut()}.
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
    static final String STREAM_REFUSALS = "pushgate.stream.refusals";
    static final String BROKER_CONNECTED = "pushgate.broker.connected";
    static final String BROKER_RECONNECTS = "pushgate.broker.reconnects";
    static final String BROKER_RESYNCS = "pushgate.broker.resyncs";
    static final String BROKER_MALFORMED = "pushgate.broker.malformed";
    static final String EPOCHS_RENEWED = "pushgate.epochs.renewed";
    static final String TOPICS_DELETED = "pushgate.topics.deleted";
    static final String TOPICS_EXPIRED = "pushgate.topics.expired";
    static final String FOLLOW_READ_FAILURES = "pushgate.follow.read.failures";
    static final String FOLLOW_NOTIFIED = "pushgate.follow.notifications";
    static final String AUTH_FAILURES = "pushgate.auth.failures";
    static final String FEEDS = "pushgate.feeds";
    static final String FEED_APPENDS = "pushgate.feed.appends";
    static final String FEED_EVENTS_REPLAYED = "pushgate.feed.events.replayed";
    static final String FEED_RESETS = "pushgate.feed.resets";

    /** The exposition formats: OpenMetrics for scrapers that ask for it, else the Prometheus text format. */
    public static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * How often the timers' maximum ({@code _max}) moves on to its next window in the warm-up's
     * registry. The node's moves on once per step of the registry, a minute: the first time a minute
     * after the start, which the warm-up's timers never live to see. Without it in the JIT's profile,
     * the compiled timer path met that branch only then, was thrown away and compiled again under
     * load (bench/RESULTS.md, "The timers' first rotation").
     */
    static final Duration WARM_UP_STEP = Duration.ofMillis(10);

    private final PrometheusMeterRegistry registry;
    private final FanOutMeters fanOut;
    private JvmGcMetrics gc;

    /** A registry whose every meter carries {@code node=nodeName}, with the fan-out's meters. */
    public NodeMetrics(String nodeName) {
        this(nodeName, PrometheusConfig.DEFAULT);
    }

    private NodeMetrics(String nodeName, PrometheusConfig config) {
        this.registry = new PrometheusMeterRegistry(config);
        registry.config().commonTags("node", nodeName);
        this.fanOut = new FanOutMeters(registry);
    }

    /** The warm-up's registry: as a node's, but its timers' maximum moves on every {@link #WARM_UP_STEP}. */
    public static NodeMetrics forWarmUp(String nodeName) {
        return new NodeMetrics(nodeName, new PrometheusConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public Duration step() {
                return WARM_UP_STEP;
            }
        });
    }

    /** What the hub records into. */
    public FanOutRecorder fanOut() {
        return fanOut;
    }

    /** Registers the meters of the node's parts, and the JVM, process and Netty binders. */
    public void bind(HubStats hub, FeedStats feeds, StreamStats streams, HttpErrors errors, AuthFailures authFailures,
                     BrokerStats broker, EventLoopGroup workers, List<ByteBufAllocator> allocators) {
        StreamMeters.bind(registry, streams);
        FeedMeters.bind(registry, feeds);
        AuthMeters.bind(registry, authFailures);
        HubMeters.bind(registry, hub);
        HttpMeters.bind(registry, errors);
        BrokerMeters.bind(registry, broker);

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
