package io.pushgate.broker.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.netty.util.Timeout;
import io.pushgate.config.RedisSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Keeps one Redis session up (README, "Redis mode", "Faults"). A session is one command connection
 * and one pub/sub connection (a {@link RedisLink}). Any loss — a closed socket, a PING unanswered
 * within the timeout (a peer that vanished without FIN or RST) — ends the session: the node is not
 * ready until a new one is up, subscribed and resynced. Sessions are retried with jittered
 * exponential backoff; state changes are logged once, not once per attempt.
 *
 * <p>Thread rules: this class owns the single {@code pushgate-redis} control thread, and session
 * state lives only there; {@link #active}, {@link #connected} and the counters may be read from any
 * thread; pub/sub messages go to {@code messages} on the connections' I/O threads ({@link RedisIo}:
 * the node's event loops, or Lettuce's own), which nothing here may block. The PING watchdog runs
 * on the client's timer ({@link #ping}), not on the control thread: it reads the current session
 * and hands only a loss to the control thread.
 */
final class SessionKeeper {
    // Logged under RedisBroker's name, the one the broker's log lines have always carried.
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    /** What a new session must do before the node is ready. Called on the control thread. */
    interface Opening {
        /**
         * Subscribes {@code s} to every topic the node serves and re-reads their state; completes on
         * the control thread, having ended the session if that failed.
         */
        CompletableFuture<Void> subscribeAll(Session s);

        /** The session is ready: catch up with what changed while it was being opened. */
        void ready();
    }

    /** One link (command and pub/sub connections); ended as a whole on any loss. Control thread only. */
    static final class Session {
        RedisLink link;
        /** Topics whose channels this session has subscribed. */
        final Set<String> subscribed = new HashSet<>();
        /** Feeds whose channels this session has subscribed. */
        final Set<String> subscribedFeeds = new HashSet<>();
        /** Set by the watchdog when it sends a PING, cleared by the answer (on an I/O thread). */
        volatile boolean pingInFlight;
    }

    private final RedisSettings settings;
    private final List<RedisURI> uris;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final String library;
    private final Consumer<byte[]> messages;
    private final Consumer<byte[]> keyChanges;
    private final ScheduledExecutorService control;
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder resyncs = new LongAdder();
    private volatile RedisLink active;
    private volatile boolean connected;
    private volatile boolean closed;

    // Session state: only on the control thread (opening is set before that thread's first task),
    // except that the watchdog reads which session is the current one.
    private Opening opening;
    private volatile Session session;
    private long backoffMillis;
    private boolean everConnected;
    private String downReason;

    /**
     * {@code library}: the function library's source ({@link PublishLibrary#source}), loaded on every
     * new session; {@code messages}: pub/sub messages; {@code keyChanges}: channels of keyspace notifications;
     * {@code io}: the threads of the connections, where both are called.
     */
    SessionKeeper(RedisSettings settings, RedisIo io, String library, Consumer<byte[]> messages,
                  Consumer<byte[]> keyChanges) {
        this.settings = settings;
        this.messages = messages;
        this.keyChanges = keyChanges;
        this.uris = new ArrayList<>();
        // A cluster's seeds are a comma-separated list of URIs; a single URI may hold commas itself
        // (the Sentinels of redis-sentinel://a:26379,b:26379#master), so it is never split.
        for (String one : settings.cluster() ? settings.uri().split(",") : new String[] {settings.uri()}) {
            RedisURI u = RedisURI.create(one.trim());
            u.setTimeout(settings.commandTimeout());
            uris.add(u);
        }
        this.resources = io.resources();
        if (settings.cluster()) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
            cluster.setOptions(sessionOptions(ClusterClientOptions.builder(), settings.commandTimeout()).build());
            this.client = cluster;
        } else {
            RedisClient single = RedisClient.create(resources, uris.get(0));
            single.setOptions(sessionOptions(ClientOptions.builder(), settings.commandTimeout()).build());
            this.client = single;
        }
        this.library = library;
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pushgate-redis");
            t.setDaemon(true);
            return t;
        });
    }

    /** The options of both topologies' clients. */
    private static <B extends ClientOptions.Builder> B sessionOptions(B options, Duration timeout) {
        // Reconnects are this class's job: one path for every kind of loss, resync included. No
        // command waits in the client for a connection (REJECT_COMMANDS); one already written may
        // still arrive late, which is why a publish carries a deadline (Publisher).
        options.autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout));
        return options;
    }

    /** Opens the first session and starts the PING watchdog; every new session goes through {@code opening}. */
    void start(Opening opening) {
        this.opening = opening;
        control.execute(this::connect);
        schedulePing();
    }

    /** The current session's link while the node is connected, else {@code null}. Any thread. */
    RedisLink active() {
        RedisLink link = active;
        return link != null && connected ? link : null;
    }

    boolean connected() {
        return connected;
    }

    long reconnects() {
        return reconnects.sum();
    }

    long resyncs() {
        return resyncs.sum();
    }

    /** Loads the function library again on {@code link} (an older node's may have replaced it). Any thread. */
    CompletableFuture<Void> reloadFunctions(RedisLink link) {
        return link.loadFunctions(library).orTimeout(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The current session, or {@code null} between sessions. Control thread only. */
    Session current() {
        return session;
    }

    /** The control thread, for stages that must go on there. */
    Executor control() {
        return control;
    }

    /** Runs {@code task} on the control thread unless the broker is closed. */
    void onControl(Runnable task) {
        if (!closed) {
            try {
                control.execute(task);
            } catch (RejectedExecutionException e) {
                // closed meanwhile: nothing left to do
            }
        }
    }

    /** Runs {@code task} on the control thread every {@code period}, from one period on, until closed. */
    void everyOnControl(Duration period, Runnable task) {
        control.scheduleWithFixedDelay(task, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the session is on a Redis Cluster. */
    boolean cluster() {
        return settings.cluster();
    }

    private void connect() {
        if (closed || session != null) {
            return;
        }
        Session s = new Session();
        RedisLink.Events events = new RedisLink.Events() {
            @Override
            public void message(byte[] message) {
                messages.accept(message);
            }

            @Override
            public void keyChanged(byte[] channel) {
                keyChanges.accept(channel);
            }

            @Override
            public void broken(String reason) {
                onControl(() -> lost(s, reason));
            }
        };
        try {
            s.link = settings.cluster()
                    ? new ClusterLink((RedisClusterClient) client, events)
                    : new StandaloneLink((RedisClient) client, uris.get(0), events);
            s.link.loadFunctions(library).get(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (s.link != null) {
                s.link.close();
            }
            retryLater("cannot connect: " + rootMessage(e));
            return;
        }
        session = s;
        boolean reconnect = everConnected;
        CompletableFuture<Void> resynced;
        try {
            resynced = opening.subscribeAll(s);
        } catch (RuntimeException e) {
            // Thrown before any stage existed (a cluster whose topology still names a dead master as
            // a slot's owner: no connection to it): without this the session would stay half-open
            // and no new one would ever be tried.
            lost(s, "subscribe failed: " + rootMessage(e));
            return;
        }
        int topics = s.subscribed.size();
        int feeds = s.subscribedFeeds.size();
        resynced.thenRun(resyncs::increment).thenRunAsync(() -> {
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
            log.info("redis {} connected: {} topics and {} feeds subscribed and resynced", where(), topics, feeds);
            downReason = null;
            opening.ready();
        }, control);
    }

    /**
     * The PING watchdog: a connection whose peer vanished silently is found within interval + timeout,
     * and (one Redis) a server that is no longer the master within the interval. It runs on the
     * client's timer ({@link RedisIo}): on a node whose loops carry the connections, a scheduled
     * task of a loop, which writes the PING itself where the connection is its own and hears the
     * answer there; no thread wakes for it that would not wake for the PING anyway (on the control
     * thread it woke that thread, the loop it handed the PING to, and the JDK's delay scheduler for
     * the timeout, every interval: bench/RESULTS.md, "The PING watchdog on the loops"). Only a loss
     * goes to the control thread. Each round schedules the next, an interval after it was sent.
     */
    private void schedulePing() {
        if (closed) {
            return;
        }
        try {
            resources.timer().newTimeout(t -> ping(), settings.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (IllegalStateException | RejectedExecutionException e) {
            // The timer or the loops are stopping: the broker is being closed.
        }
    }

    private void ping() {
        try {
            Session s = session;
            if (s != null && !s.pingInFlight && !closed) {
                s.pingInFlight = true;
                long timeout = settings.pingTimeout().toMillis();
                Timeout deadline = resources.timer().newTimeout(
                        t -> onControl(() -> lost(s, "no answer to PING within " + timeout + " ms")),
                        timeout, TimeUnit.MILLISECONDS);
                s.link.ping().whenComplete((pong, failure) -> {
                    if (!deadline.cancel()) {
                        return; // too late: the deadline has ended the session
                    }
                    s.pingInFlight = false;
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        onControl(() -> lost(s, cause instanceof StandaloneLink.NotMaster ? cause.getMessage()
                                : "PING failed: " + rootMessage(cause)));
                    }
                });
            }
        } catch (RuntimeException e) {
            // A link closed under the watchdog (the session ended meanwhile): the next round sees the new one.
            log.debug("redis watchdog round: {}", e.toString());
        } finally {
            schedulePing();
        }
    }

    /** Ends session {@code s} (if it is still the current one) and schedules a new one. Control thread only. */
    void lost(Session s, String reason) {
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
        } else {
            log.debug("redis {} still unavailable ({})", where(), reason);
        }
        backoffMillis = backoffMillis == 0 ? 100 : Math.min(5000, backoffMillis * 2);
        long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        control.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** host:port, never credentials. */
    String where() {
        StringJoiner out = new StringJoiner(",", settings.cluster() ? "cluster " : "", "");
        for (RedisURI u : uris) {
            if (u.getSentinels().isEmpty()) {
                out.add(u.getHost() + ":" + u.getPort());
            } else {
                StringJoiner sentinels = new StringJoiner(",", "master " + u.getSentinelMasterId() + " via sentinels ", "");
                u.getSentinels().forEach(sentinel -> sentinels.add(sentinel.getHost() + ":" + sentinel.getPort()));
                out.add(sentinels.toString());
            }
        }
        return out.toString();
    }

    void close() {
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

    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
