package io.pushgate.broker.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.pushgate.model.Epochs;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicNames;
import io.pushgate.model.TopicVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The Redis data layout of one deployment (README, "Redis mode", "Key layout"), in one place: a
 * topic's hash {@code <prefix>:{t}} ({@code epoch}, {@code version}, {@code ts}, {@code text}),
 * its channel {@code <prefix>:{t}:ch}, and the message {@code pushgate_publish} puts there,
 * {@code pushgate1 <topic> <epoch> <version> <micros>\n<text>}; and the channel every node hears
 * revocations on, {@code <prefix>:revocations}, with messages
 * {@code pushgate-revoke1 <epoch millis>\n<subject>}; the message of a deleted topic on its channel,
 * {@code pushgate-deleted1 <topic> <epoch> <micros>}; and the state hash of a topic followed from an
 * application's keys ({@link #followState}); a feed's log {@code <prefix>:{f}:log} (a stream)
 * and its channel {@code <prefix>:{f}:log:ch}, with messages
 * {@code pushgate-feed1 <feed> <epoch> <seq> <micros>\n<text>}. Counts what it finds there that is
 * not in this layout.
 *
 * <p>Thread rules: any thread. Messages are parsed on Lettuce's I/O threads, from bytes: no String
 * decoding of the text.
 */
final class RedisLayout {
    // Logged under RedisBroker's name, the one the broker's log lines have always carried.
    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final byte[] MAGIC = "pushgate1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELETED_MAGIC = "pushgate-deleted1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FEED_MAGIC = "pushgate-feed1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REVOKE_MAGIC = "pushgate-revoke1 ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 200;
    private static final String KEYSPACE = "__keyspace@";
    private static final byte[] KEYSPACE_BYTES = KEYSPACE.getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] HASH_FIELDS = {bytes("epoch"), bytes("version"), bytes("ts"), bytes("text")};

    private final String prefix;
    private final LongAdder malformed = new LongAdder();

    RedisLayout(String prefix) {
        this.prefix = prefix;
    }

    byte[] key(String topic) {
        return bytes(prefix + ":{" + topic + "}");
    }

    byte[] channel(String topic) {
        return bytes(prefix + ":{" + topic + "}:ch");
    }

    /**
     * The hash in which the nodes agree on the epoch of a topic followed from {@code seqKey}
     * ({@code epoch}, {@code seen}, {@code ts}, {@code digest}; see {@code pushgate_follow_read}),
     * named so that on a cluster it lives in the counter's slot: {@code {<seqKey>}:<prefix>:follow},
     * or {@code <seqKey>:<prefix>:follow} when the counter's name has a hash tag already (then that
     * tag decides the slot of both, and the name still tells counters of one tag apart).
     */
    byte[] followState(String seqKey) {
        int open = seqKey.indexOf('{');
        int close = open < 0 ? -1 : seqKey.indexOf('}', open + 1);
        boolean tagged = close > open + 1;
        return bytes((tagged ? seqKey : "{" + seqKey + "}") + ":" + prefix + ":follow");
    }

    /** The channel on which Redis announces changes of {@code key} in database {@code db} (keyspace notifications). */
    static byte[] keyspaceChannel(int db, String key) {
        return bytes(KEYSPACE + db + "__:" + key);
    }

    /** Whether {@code channel} is a keyspace notification channel (it carries no pushgate message). */
    static boolean isKeyspace(byte[] channel) {
        return startsWith(channel, KEYSPACE_BYTES);
    }

    /** The channel of revocations: not a topic's (no hash tag; topic channels end in {@code :ch}). */
    byte[] revocations() {
        return bytes(prefix + ":revocations");
    }

    byte[] message(Revocation revocation) {
        return bytes("pushgate-revoke1 " + revocation.at().toEpochMilli() + "\n" + revocation.subject());
    }

    /** Whether {@code message} is meant as a deletion (parse it with {@link #deletion}). */
    static boolean isDeletion(byte[] message) {
        return startsWith(message, DELETED_MAGIC);
    }

    /**
     * The deletion in {@code message}, {@code pushgate-deleted1 <topic> <epoch> <micros>} as
     * {@code pushgate_delete} sends it, or {@code null} (counted) when it is not one. Its version is
     * not in the message (0): what matters is the epoch that ended and when.
     */
    TopicDeletion deletion(byte[] message) {
        String[] fields = message.length > MAX_HEADER ? new String[0]
                : new String(message, DELETED_MAGIC.length, message.length - DELETED_MAGIC.length, StandardCharsets.US_ASCII)
                .split(" ");
        if (fields.length != 3 || digits(fields[2]) < 0 || !TopicNames.isValid(fields[0]) || !Epochs.isEpoch(fields[1])) {
            skipped();
            return null;
        }
        return new TopicDeletion(fields[0], fields[1], 0, digits(fields[2]));
    }

    /** Whether {@code message} is meant as a revocation (parse it with {@link #revocation}). */
    static boolean isRevocation(byte[] message) {
        return startsWith(message, REVOKE_MAGIC);
    }

    /** The revocation in {@code message}, or {@code null} (counted) when it is not one. */
    Revocation revocation(byte[] message) {
        int newline = headerEnd(message, REVOKE_MAGIC.length);
        long millis = newline < 0 ? -1
                : digits(new String(message, REVOKE_MAGIC.length, newline - REVOKE_MAGIC.length, StandardCharsets.US_ASCII));
        if (millis < 0 || newline + 1 >= message.length) {
            skipped();
            return null;
        }
        return new Revocation(new String(message, newline + 1, message.length - newline - 1, StandardCharsets.UTF_8),
                Instant.ofEpochMilli(millis));
    }

    List<byte[]> channels(Collection<String> topics) {
        return each(topics, this::channel);
    }

    /** The channel of a feed's events, {@code <prefix>:{f}:log:ch}. */
    byte[] feedChannel(String feed) {
        return bytes(prefix + ":{" + feed + "}:log:ch");
    }

    List<byte[]> feedChannels(Collection<String> feeds) {
        return each(feeds, this::feedChannel);
    }

    private static List<byte[]> each(Collection<String> names, Function<String, byte[]> name) {
        List<byte[]> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(name.apply(n));
        }
        return out;
    }

    /** Messages and hashes that were not pushgate versions, skipped. */
    long malformed() {
        return malformed.sum();
    }

    /** The version in a pub/sub {@code message}, or {@code null} (counted) when it is not one. */
    TopicVersion message(byte[] message) {
        TopicVersion v = parse(message);
        if (v == null) {
            skipped();
        }
        return v;
    }

    private void skipped() {
        malformed.increment();
        if (malformed.sum() == 1) {
            log.warn("skipped a message that is not a pushgate version, feed event, deletion or revocation (further ones are only counted)");
        }
    }

    /** The index of the newline that ends a message's header line, searched from {@code from}; -1 when none within {@value #MAX_HEADER} bytes. */
    private static int headerEnd(byte[] message, int from) {
        for (int i = from; i < Math.min(message.length, MAX_HEADER); i++) {
            if (message[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] message, byte[] magic) {
        return message.length >= magic.length && Arrays.equals(message, 0, magic.length, magic, 0, magic.length);
    }

    /** The version in {@code message}, or {@code null} when it is not a pushgate message. */
    private static TopicVersion parse(byte[] message) {
        Header h = header(message, MAGIC);
        return h == null ? null : new TopicVersion(h.name, h.epoch, h.number, h.micros, h.text(message));
    }

    /** Whether {@code message} is meant as a feed's event (parse it with {@link #feedEvent}). */
    static boolean isFeedEvent(byte[] message) {
        return startsWith(message, FEED_MAGIC);
    }

    /**
     * The event in {@code message}, {@code pushgate-feed1 <feed> <epoch> <seq> <micros>\n<text>} as
     * {@code pushgate_append} sends it, or {@code null} (counted) when it is not one.
     */
    FeedEvent feedEvent(byte[] message) {
        Header h = header(message, FEED_MAGIC);
        if (h == null) {
            skipped();
            return null;
        }
        return new FeedEvent(h.name, h.epoch, h.number, h.micros, h.text(message));
    }

    /** The header line {@code <magic><name> <epoch> <number> <micros>\n} of a message, ending at {@code newline}. */
    private record Header(String name, String epoch, long number, long micros, int newline) {
        /** The text after the header: copied, never decoded. */
        byte[] text(byte[] message) {
            return Arrays.copyOfRange(message, newline + 1, message.length);
        }
    }

    /** The header of {@code message} after {@code magic}, or {@code null} when it has none of that shape. */
    private static Header header(byte[] message, byte[] magic) {
        if (!startsWith(message, magic)) {
            return null;
        }
        int newline = headerEnd(message, magic.length);
        if (newline < 0) {
            return null;
        }
        String[] fields = new String(message, magic.length, newline - magic.length, StandardCharsets.US_ASCII).split(" ");
        if (fields.length != 4 || !Epochs.isEpoch(fields[1]) || !TopicNames.isValid(fields[0])) {
            return null;
        }
        long number = digits(fields[2]);
        long micros = digits(fields[3]);
        if (number < 1 || micros < 0) {
            return null;
        }
        return new Header(fields[0], fields[1], number, micros, newline);
    }

    /**
     * Reads the stored state of {@code topic}: {@code null} inside the stage when it has none, or
     * when its hash is not a pushgate state (counted).
     */
    CompletableFuture<TopicVersion> read(RedisClusterAsyncCommands<byte[], byte[]> commands, String topic,
                                         Duration timeout) {
        return commands.hmget(key(topic), HASH_FIELDS).toCompletableFuture()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(values -> fromHash(topic, values));
    }

    private TopicVersion fromHash(String topic, List<KeyValue<byte[], byte[]>> values) {
        if (values.size() != 4 || !values.get(0).hasValue() || !values.get(1).hasValue() || !values.get(3).hasValue()) {
            return null;
        }
        String epoch = new String(values.get(0).getValue(), StandardCharsets.US_ASCII);
        long version = digits(new String(values.get(1).getValue(), StandardCharsets.US_ASCII));
        long micros = values.get(2).hasValue()
                ? digits(new String(values.get(2).getValue(), StandardCharsets.US_ASCII)) : 0;
        if (!Epochs.isEpoch(epoch) || version < 1) {
            malformed.increment();
            log.warn("topic {}: its Redis hash is not a pushgate state (epoch/version missing or malformed)", topic);
            return null;
        }
        return new TopicVersion(topic, epoch, version, Math.max(0, micros), values.get(3).getValue());
    }

    /** A non-negative decimal, or -1. */
    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
