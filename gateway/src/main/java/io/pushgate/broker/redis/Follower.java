package io.pushgate.broker.redis;

import io.lettuce.core.KeyValue;
import io.pushgate.broker.Broker;
import io.pushgate.broker.redis.SessionKeeper.Session;
import io.pushgate.config.FollowSettings;
import io.pushgate.model.TopicVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Turns changes of an application's keys into versions of the topics that follow them (README,
 * "Following an application's keys"). A change is noticed through a keyspace notification of the
 * counter when Redis sends them ({@link KeyspaceNotifications}), else by reading the counters of
 * the served followed topics in one {@code MGET} every {@code --follow-poll}. Either way every
 * served followed topic is also checked every {@code --follow-safety-poll} with the read function
 * itself, which answers without the text when nothing changed: that finds what the other two
 * cannot, a notification lost with its connection, and keys begun again at the counter value they
 * had. Each session begins by re-reading every served followed topic, as {@link Demand} does for
 * published ones. A change is answered by one atomic read of text, counter and epoch
 * ({@link FollowReads}); reads of one topic never overlap: a change noticed during a read is read
 * again after it, so the last read always follows the last change.
 *
 * <p>Thread rules: detection and read bookkeeping on {@link SessionKeeper}'s control thread;
 * {@link #keyChanged} and {@link #began} from any thread hand over to it; versions reach the
 * listener on the control thread.
 */
final class Follower {
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

    private enum Mode { OPENING, NOTIFIED, POLLING }

    private final SessionKeeper sessions;
    private final FollowReads reads;
    private final FollowSettings settings;
    private final Duration timeout;
    private final int db;
    private final Map<String, FollowedKeys> byTopic = new LinkedHashMap<>();
    private final Map<String, String> topicByChannel = new HashMap<>();
    private volatile Broker.Listener listener;
    private volatile boolean notified;

    // Control thread only.
    private Session session;
    private Mode mode = Mode.OPENING;
    private long nextPoll;
    private long nextCheck;
    private String said;
    private final Set<String> reading = new HashSet<>();
    private final Set<String> readAgain = new HashSet<>();
    /** What each served followed topic was at its last read. */
    private final Map<String, Known> known = new HashMap<>();

    /** A topic's state as last read: {@code epoch} null when it had none. */
    private record Known(String epoch, long version) {
        static final Known NONE = new Known(null, 0);
    }

    /** Follows {@code followed} as {@code settings} say; {@code db}: the database of the keys (standalone). */
    Follower(SessionKeeper sessions, FollowReads reads, List<FollowedKeys> followed, FollowSettings settings,
             Duration timeout, int db) {
        this.sessions = sessions;
        this.reads = reads;
        this.settings = settings;
        this.timeout = timeout;
        this.db = db;
        for (FollowedKeys keys : followed) {
            byTopic.put(keys.topic(), keys);
            topicByChannel.put(new String(RedisLayout.keyspaceChannel(db, keys.seqKeyName()), StandardCharsets.UTF_8),
                    keys.topic());
        }
    }

    /** Starts following, for {@code listener}; before the first session. */
    void start(Broker.Listener listener) {
        this.listener = listener;
        if (!byTopic.isEmpty()) {
            FollowedKeys first = byTopic.values().iterator().next();
            log.info("following {} topic(s) from application keys, e.g. {} from {} (text) and {} (counter)",
                    byTopic.size(), first.topic(), first.textKeyName(), first.seqKeyName());
            sessions.everyOnControl(settings.poll(), this::tick);
        }
    }

    /** Whether {@code topic} is followed (its versions come from the application's keys). Any thread. */
    boolean follows(String topic) {
        return byTopic.containsKey(topic);
    }

    /** The keys {@code topic} is followed from, or {@code null}. Any thread. */
    FollowedKeys keys(String topic) {
        return byTopic.get(topic);
    }

    /** Whether changes are learnt of from keyspace notifications now (else by polling). Any thread. */
    boolean notified() {
        return notified;
    }

    /** A followed topic got its first local subscriber: its state goes to {@link Broker.Listener#onState}. Any thread. */
    void began(String topic) {
        sessions.onControl(() -> {
            if (session != null && session == sessions.current()) {
                read(topic, false, false);
            }
        });
    }

    /** A keyspace notification on {@code channel}; on a Lettuce thread. */
    void keyChanged(byte[] channel) {
        String topic = topicByChannel.get(new String(channel, StandardCharsets.UTF_8));
        Broker.Listener l = listener;
        if (topic != null && l != null && l.serves(topic)) {
            sessions.onControl(() -> {
                if (session != null && session == sessions.current()) {
                    read(topic, true, false);
                }
            });
        }
    }

    /**
     * Every {@code --follow-poll}: notices a new session, checks every served followed topic when the
     * safety check is due, and else, while polling, reads the counters.
     */
    private void tick() {
        Session s = sessions.current();
        if (s == null) {
            session = null;
            notified = false;
            return;
        }
        if (s != session) {
            session = s;
            mode = Mode.OPENING;
            notified = false;
            open(s);
            return;
        }
        long now = System.nanoTime();
        if (mode == Mode.OPENING) {
            return;
        }
        if (now - nextCheck >= 0) {
            nextCheck = now + settings.safetyPoll().toNanos();
            nextPoll = now + settings.poll().toNanos();
            for (String topic : served()) {
                read(topic, true, true);
            }
        } else if (mode == Mode.POLLING && now - nextPoll >= 0) {
            nextPoll = now + settings.poll().toNanos();
            poll(s);
        }
    }

    /**
     * A new session: notifications on (and the counters' channels subscribed) or polling, then every
     * served followed topic read again, so nothing changed while no session was up is missed.
     */
    private void open(Session s) {
        CompletableFuture<KeyspaceNotifications.Outcome> outcome;
        if (!settings.notifications()) {
            outcome = CompletableFuture.completedFuture(new KeyspaceNotifications.Outcome(false,
                    "keyspace notifications not used (--follow-notifications off)"));
        } else if (sessions.cluster()) {
            outcome = CompletableFuture.completedFuture(new KeyspaceNotifications.Outcome(false,
                    "keyspace notifications not used on a cluster (each shard announces only its own keys)"));
        } else {
            outcome = KeyspaceNotifications.enable(s.link.commands(), timeout).thenCompose(found -> !found.on()
                    ? CompletableFuture.completedFuture(found)
                    : s.link.subscribeKeyspace(channels())
                            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .handle((ok, failure) -> failure == null ? found : new KeyspaceNotifications.Outcome(false,
                                    "could not subscribe to keyspace notifications (" + SessionKeeper.rootMessage(failure) + ")")));
        }
        outcome.whenCompleteAsync((answer, failure) -> {
            if (session != s) {
                return;
            }
            KeyspaceNotifications.Outcome found = failure == null ? answer : new KeyspaceNotifications.Outcome(false,
                    "could not enable keyspace notifications (" + SessionKeeper.rootMessage(failure) + ")");
            mode = found.on() ? Mode.NOTIFIED : Mode.POLLING;
            notified = found.on();
            String now = found.said() + (found.on()
                    ? ": changes arrive at once; followed topics also checked every " + settings.safetyPoll().toMillis() + " ms"
                    : ": reading the followed counters every " + settings.poll().toMillis() + " ms");
            if (!now.equals(said)) {
                log.info("follow: {}", now);
                said = now;
            }
            nextPoll = System.nanoTime() + settings.poll().toNanos();
            nextCheck = System.nanoTime() + settings.safetyPoll().toNanos();
            for (String topic : served()) {
                read(topic, false, false);
            }
        }, sessions.control());
    }

    private List<byte[]> channels() {
        List<byte[]> out = new ArrayList<>(byTopic.size());
        for (FollowedKeys k : byTopic.values()) {
            out.add(RedisLayout.keyspaceChannel(db, k.seqKeyName()));
        }
        return out;
    }

    /** The followed topics with local subscribers now. */
    private List<String> served() {
        List<String> out = new ArrayList<>();
        for (String topic : byTopic.keySet()) {
            if (listener.serves(topic)) {
                out.add(topic);
            }
        }
        return out;
    }

    /** Reads the counters of the served followed topics in one MGET and reads the topics whose counter moved. */
    private void poll(Session s) {
        List<String> topics = served();
        known.keySet().retainAll(topics);
        if (topics.isEmpty()) {
            return;
        }
        byte[][] counters = new byte[topics.size()][];
        for (int i = 0; i < counters.length; i++) {
            counters[i] = byTopic.get(topics.get(i)).seqKey();
        }
        s.link.commands().mget(counters).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenCompleteAsync((values, failure) -> {
                    if (failure != null) {
                        reads.pollFailed(failure);
                        return;
                    }
                    if (session != s) {
                        return;
                    }
                    for (int i = 0; i < values.size() && i < topics.size(); i++) {
                        Known last = known.get(topics.get(i));
                        if (last == null || last.version() != counter(values.get(i))) {
                            read(topics.get(i), true, false);
                        }
                    }
                }, sessions.control());
    }

    /** The counter in {@code value} as the read function takes it (none, or not above 0: 0); -1 when no integer. */
    private static long counter(KeyValue<byte[], byte[]> value) {
        if (!value.hasValue()) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(new String(value.getValue(), StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Reads {@code topic}'s state and hands it on ({@code live}: as a new version, else as the
     * stored state); {@code check}: without the text if it is still what was read last. While a
     * read of the topic is under way, reads it once more after that one.
     */
    private void read(String topic, boolean live, boolean check) {
        FollowedKeys keys = byTopic.get(topic);
        Session s = session;
        if (keys == null || s == null) {
            return;
        }
        if (!reading.add(topic)) {
            readAgain.add(topic);
            return;
        }
        Known last = check ? known.get(topic) : null;
        reads.read(s.link, keys, last == null ? null : last.epoch(), last == null ? 0 : last.version())
                .whenCompleteAsync((found, failure) -> {
                    reading.remove(topic);
                    if (failure != null) {
                        known.remove(topic); // read in full next time
                    } else if (!found.unchanged()) {
                        TopicVersion v = found.state();
                        known.put(topic, v == null ? Known.NONE : new Known(v.epoch(), v.version()));
                        if (v != null) {
                            deliver(v, live);
                        }
                    }
                    // On the current session: a read asked for while one of a session since ended ran counts too.
                    if (readAgain.remove(topic) && session != null) {
                        read(topic, true, false);
                    }
                }, sessions.control());
    }

    private void deliver(TopicVersion v, boolean live) {
        if (live) {
            listener.onVersion(v);
        } else {
            listener.onState(v);
        }
    }
}
