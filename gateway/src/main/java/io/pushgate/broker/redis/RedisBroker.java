package io.pushgate.broker.redis;

import io.pushgate.model.TopicVersion;
import io.pushgate.broker.Broker;
import io.pushgate.config.RedisSettings;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Topics shared by many nodes through Redis (DESIGN.md, "Redis layout"): publishes are one atomic
 * {@code FCALL pushgate_publish}, versions arrive on one pub/sub connection per node, which
 * subscribes to a topic's channel only while the node serves the topic.
 *
 * <p>Pub/sub is at-most-once, so the node closes every gap itself: after each (re)subscribe it
 * re-reads the hash of every topic it serves and hands over what is newer; the hub drops versions it
 * already has, so a message and a re-read of the same version never reach a client twice.
 *
 * <p>A session is one command connection and one pub/sub connection. Any loss — a closed socket, a
 * PING unanswered within the timeout (a peer that vanished without FIN or RST) — ends the session:
 * the node is not ready until a new one is up, subscribed and resynced. Sessions are retried with
 * jittered exponential backoff; state changes are logged once, not once per attempt.
 *
 * <p>Thread rules: session state lives on the single {@code pushgate-redis} thread; messages are
 * parsed on Lettuce's I/O threads and handed straight to the listener; {@link #publish},
 * {@link #latest}, {@link #subscribe} and {@link #unsubscribe} may be called from any thread.
 */
public final class RedisBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final int SUBSCRIBE_BATCH = 512;

    private final RedisSettings settings;
    private final RedisLayout layout;
    private final List<RedisURI> uris;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final String library;
    private final ScheduledExecutorService control;
    private final ConcurrentLinkedQueue<String> changes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder resyncs = new LongAdder();
    private volatile Listener listener;
    private volatile RedisLink active;
    private volatile boolean connected;
    private volatile boolean closed;

    // Session state: only on the control thread.
    private Session session;
    private final Set<String> dirty = new HashSet<>();
    private long backoffMillis;
    private boolean everConnected;
    private String downReason;

    public RedisBroker(RedisSettings settings) {
        this.settings = settings;
        this.layout = new RedisLayout(settings.keyPrefix());
        this.uris = new ArrayList<>();
        for (String one : settings.uri().split(",")) {
            RedisURI u = RedisURI.create(one.trim());
            u.setTimeout(settings.commandTimeout());
            uris.add(u);
        }
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(settings.commandTimeout()).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(settings.commandTimeout());
        if (settings.cluster()) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
            cluster.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(false)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .build());
            this.client = cluster;
        } else {
            RedisClient single = RedisClient.create(resources, uris.get(0));
            single.setOptions(ClientOptions.builder()
                    // Reconnects are this class's job: one path for every kind of loss, resync included.
                    .autoReconnect(false)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .build());
            this.client = single;
        }
        this.library = PublishLibrary.source(settings);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pushgate-redis");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start(Listener listener) {
        this.listener = listener;
        control.execute(this::connect);
        long ping = settings.pingInterval().toMillis();
        control.scheduleWithFixedDelay(this::ping, ping, ping, TimeUnit.MILLISECONDS);
    }

    // ---- publishing and reading -------------------------------------------------------------

    @Override
    public CompletionStage<TopicVersion> publish(String topic, byte[] text) {
        RedisLink link = active;
        if (link == null || !connected) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis unavailable"));
        }
        CompletionStage<List<Object>> call = link.commands().fcall(PublishLibrary.FUNCTION, ScriptOutputType.MULTI,
                new byte[][] {layout.key(topic)}, text);
        return call.toCompletableFuture()
                .orTimeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(reply -> {
                    String epoch = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                    long version = (Long) reply.get(1);
                    long micros = (Long) reply.get(2);
                    return new TopicVersion(topic, epoch, version, micros, text);
                });
    }

    @Override
    public CompletionStage<TopicVersion> latest(String topic) {
        RedisLink link = active;
        if (link == null || !connected) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis unavailable"));
        }
        return layout.read(link.commands(), topic, settings.commandTimeout());
    }

    // ---- subscriptions follow demand --------------------------------------------------------

    @Override
    public void subscribe(String topic) {
        changed(topic);
    }

    @Override
    public void unsubscribe(String topic) {
        changed(topic);
    }

    /** Records that the hub's demand for {@code topic} changed; one flush handles many changes. */
    private void changed(String topic) {
        changes.add(topic);
        if (flushQueued.compareAndSet(false, true)) {
            onControl(this::flush);
        }
    }

    /** Reconciles the subscribed channels with what the hub serves now. On the control thread. */
    private void flush() {
        flushQueued.set(false);
        for (String topic; (topic = changes.poll()) != null; ) {
            dirty.add(topic);
        }
        Session s = session;
        if (s == null || !s.subscribedOnce || dirty.isEmpty()) {
            return; // a new session subscribes to everything the hub serves
        }
        List<String> add = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        for (String topic : dirty) {
            boolean wanted = listener.serves(topic);
            if (wanted && s.subscribed.add(topic)) {
                add.add(topic);
            } else if (!wanted && s.subscribed.remove(topic)) {
                remove.add(topic);
            }
        }
        dirty.clear();
        if (!remove.isEmpty()) {
            for (List<String> batch : batches(remove)) {
                s.link.unsubscribe(layout.channels(batch));
            }
        }
        if (!add.isEmpty()) {
            subscribeThenRead(s, add, false);
        }
    }

    /**
     * SUBSCRIBEs to {@code topics}, waits until Redis has taken them (a PING answered after them on
     * the same connection), then reads their hashes: a version published in between arrives as a
     * message or in the hash, never neither.
     */
    private CompletableFuture<Void> subscribeThenRead(Session s, List<String> topics, boolean resync) {
        List<CompletableFuture<Void>> taken = new ArrayList<>();
        try {
            for (List<String> batch : batches(topics)) {
                taken.add(s.link.subscribe(layout.channels(batch)));
            }
        } catch (RuntimeException e) {
            taken.add(CompletableFuture.failedFuture(e));
        }
        return CompletableFuture.allOf(taken.toArray(new CompletableFuture[0]))
                .orTimeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(pong -> {
                    List<CompletableFuture<TopicVersion>> reads = new ArrayList<>(topics.size());
                    for (String topic : topics) {
                        reads.add(layout.read(s.link.commands(), topic, settings.commandTimeout()).thenApply(v -> {
                            if (v != null) {
                                listener.onState(v);
                            }
                            return v;
                        }));
                    }
                    return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0]));
                })
                .whenCompleteAsync((ok, failure) -> {
                    if (failure != null) {
                        lost(s, "subscribe or read failed: " + rootMessage(failure));
                    } else if (resync) {
                        resyncs.increment();
                    }
                }, control);
    }

    // ---- sessions -----------------------------------------------------------------------------

    /** One link (command and pub/sub connections); ended as a whole on any loss. */
    private static final class Session {
        RedisLink link;
        final Set<String> subscribed = new HashSet<>();
        boolean subscribedOnce;
        boolean pingInFlight;
    }

    private void connect() {
        if (closed || session != null) {
            return;
        }
        Session s = new Session();
        RedisLink.Events events = new RedisLink.Events() {
            @Override
            public void message(byte[] message) {
                deliver(message);
            }

            @Override
            public void broken(String reason) {
                onControl(() -> lost(s, reason));
            }
        };
        try {
            s.link = settings.cluster()
                    ? new ClusterLink((RedisClusterClient) client, events)
                    : new StandaloneLink((RedisClient) client, events);
            s.link.loadFunctions(library).get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (s.link != null) {
                s.link.close();
            }
            retryLater("cannot connect: " + rootMessage(e));
            return;
        }
        session = s;
        // Everything the hub serves, in one go (pending changes are in it); then ready, then the
        // resync read closes any gap.
        changes.clear();
        dirty.clear();
        List<String> all = new ArrayList<>(listener.served());
        s.subscribed.addAll(all);
        s.subscribedOnce = true;
        boolean reconnect = everConnected;
        subscribeThenRead(s, all, true).thenRunAsync(() -> {
            if (session != s) {
                return;
            }
            active = s.link;
            connected = true;
            backoffMillis = 0;
            if (reconnect) {
                reconnects.increment();
            }
            everConnected = true;
            log.info("redis {} connected: {} topics subscribed and resynced", where(), all.size());
            downReason = null;
            flush();
        }, control);
    }

    /** Runs {@code task} on the control thread unless the broker is closed. */
    private void onControl(Runnable task) {
        if (!closed) {
            try {
                control.execute(task);
            } catch (RejectedExecutionException e) {
                // closed meanwhile: nothing left to do
            }
        }
    }

    private void deliver(byte[] message) {
        TopicVersion v = layout.message(message);
        if (v != null) {
            listener.onVersion(v);
        }
    }

    /** The PING watchdog: a connection whose peer vanished silently is found within interval + timeout. */
    private void ping() {
        Session s = session;
        if (s == null || s.pingInFlight) {
            return;
        }
        s.pingInFlight = true;
        s.link.ping()
                .orTimeout(settings.pingTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((pong, failure) -> {
                    s.pingInFlight = false;
                    if (failure != null) {
                        lost(s, "no answer to PING within " + settings.pingTimeout().toMillis() + " ms");
                    }
                }, control);
    }

    /** Ends session {@code s} (if it is still the current one) and schedules a new one. */
    private void lost(Session s, String reason) {
        if (session != s || closed) {
            return;
        }
        session = null;
        connected = false;
        active = null;
        s.link.close();
        retryLater(reason);
    }

    private void retryLater(String reason) {
        if (closed) {
            return;
        }
        if (downReason == null) {
            log.warn("redis {} unavailable ({}); node not ready, retrying with backoff", where(), reason);
            downReason = reason;
        }
        backoffMillis = backoffMillis == 0 ? 100 : Math.min(5000, backoffMillis * 2);
        long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        control.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    // ---- state --------------------------------------------------------------------------------

    @Override
    public boolean connected() {
        return connected;
    }

    @Override
    public long reconnects() {
        return reconnects.sum();
    }

    @Override
    public long resyncs() {
        return resyncs.sum();
    }

    @Override
    public long malformed() {
        return layout.malformed();
    }

    @Override
    public String describe() {
        return "redis " + where() + " prefix " + settings.keyPrefix();
    }

    /** host:port, never credentials. */
    private String where() {
        StringJoiner out = new StringJoiner(",", settings.cluster() ? "cluster " : "", "");
        for (RedisURI u : uris) {
            out.add(u.getHost() + ":" + u.getPort());
        }
        return out.toString();
    }

    @Override
    public void close() {
        closed = true;
        connected = false;
        try {
            control.submit(() -> {
                if (session != null) {
                    session.link.close();
                    session = null;
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing the redis session: {}", e.toString());
        }
        control.shutdownNow();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static List<List<String>> batches(List<String> topics) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < topics.size(); i += SUBSCRIBE_BATCH) {
            out.add(topics.subList(i, Math.min(topics.size(), i + SUBSCRIBE_BATCH)));
        }
        return out;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
