package io.pushgate.wire;

import io.pushgate.model.Epochs;
import io.pushgate.model.IfMatch;
import io.pushgate.model.TopicNames;
import io.pushgate.model.TopicVersion;

import java.util.ArrayList;
import java.util.List;

/**
 * The event-id format, written and parsed here only. An unnamed event (a stream of one topic)
 * has the id {@code <version>-<epoch>}; an event named by its topic (a stream of several) has
 * {@code <topic>/<version>-<epoch>} ({@code /} cannot occur in a topic name), because the browser
 * sends back only the id of the last event it saw. The same {@code <version>-<epoch>} is a topic's
 * {@code ETag}, and an {@code If-Match} names one. An id that does not parse is treated as "has nothing", which resends the latest
 * version: never a stale text.
 *
 * <p>A feed's event has the same shape with its seq for the version ({@code <seq>-<epoch>}, or
 * {@code <feed>/<seq>-<epoch>} named). A stream of several feeds follows each feed event with an
 * id-only frame naming every feed's cursor, {@code b/57-e1,c/12-e2} ({@code ,} cannot occur in a
 * name either): {@link #parseList} reads it. Stateless.
 */
public final class EventIds {
    /** The longest {@code Last-Event-ID} that is read; a longer one is treated as malformed. */
    public static final int MAX_LENGTH = 200;

    private EventIds() {
    }

    /** {@code <version>-<epoch>}: the id of an unnamed event of {@code v}, and its ETag's value. */
    public static String of(TopicVersion v) {
        return of(v.version(), v.epoch());
    }

    /** {@code <version>-<epoch>}. */
    public static String of(long version, String epoch) {
        return version + "-" + epoch;
    }

    /**
     * Parses an {@code If-Match} header (RFC 9110): {@code *}, or one strong entity tag
     * {@code "<version>-<epoch>"}. {@code null} for anything else (a weak tag, which If-Match never
     * matches; a list; a malformed value): a condition that no state of a topic can meet.
     */
    public static IfMatch parseIfMatch(String header) {
        String value = header.trim();
        if (value.equals("*")) {
            return IfMatch.ANY;
        }
        if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            return null;
        }
        LastEventId id = parse(value.substring(1, value.length() - 1));
        return id == null || id.topic() != null || id.version() < 1 ? null : IfMatch.exactly(id.version(), id.epoch());
    }

    /** {@code <name>/<version>-<epoch>}: the id of an event named by its topic or feed. */
    public static String named(String name, long version, String epoch) {
        return name + "/" + of(version, epoch);
    }

    /** {@code <topic>/<version>-<epoch>}: the id of {@code v}'s event named by its topic. */
    static String named(TopicVersion v) {
        return v.topic() + "/" + of(v);
    }

    /** Parses a {@code Last-Event-ID}; {@code null} when absent or malformed. */
    public static LastEventId parse(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return null;
        }
        return parseOne(id);
    }

    /**
     * The longest list of cursors ({@link #parseList}) of a stream of {@code names} feeds: each a
     * named id of the longest name, seq and epoch, with a separator.
     */
    public static int maxListLength(int names) {
        return names * (TopicNames.MAX_LENGTH + 1 + 19 + 1 + 16 + 1);
    }

    /**
     * Parses a {@code Last-Event-ID} that may be a list of ids separated by {@code ,} (the cursor
     * frame of a stream of several feeds), at most {@code maxIds} of them; one id gives a list of one.
     * {@code null} when absent, longer than {@code maxIds} allow, or when any part is malformed.
     */
    public static List<LastEventId> parseList(String id, int maxIds) {
        if (id == null || id.isEmpty() || id.length() > Math.max(MAX_LENGTH, maxListLength(maxIds))) {
            return null;
        }
        List<LastEventId> ids = new ArrayList<>();
        int from = 0;
        while (from <= id.length()) {
            int comma = id.indexOf(',', from);
            int to = comma < 0 ? id.length() : comma;
            LastEventId one = to - from > MAX_LENGTH ? null : parseOne(id.substring(from, to));
            if (one == null || ids.size() == maxIds) {
                return null;
            }
            ids.add(one);
            if (comma < 0) {
                break;
            }
            from = comma + 1;
        }
        return ids;
    }

    private static LastEventId parseOne(String id) {
        if (id.isEmpty()) {
            return null;
        }
        String topic = null;
        int slash = id.indexOf('/');
        String rest = id;
        if (slash >= 0) {
            topic = id.substring(0, slash);
            if (!TopicNames.isValid(topic)) {
                return null;
            }
            rest = id.substring(slash + 1);
        }
        int dash = rest.indexOf('-');
        if (dash <= 0 || dash > 19) {
            return null;
        }
        long version = 0;
        for (int i = 0; i < dash; i++) {
            char c = rest.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            version = version * 10 + (c - '0');
            if (version < 0) {
                return null;
            }
        }
        String epoch = rest.substring(dash + 1);
        if (!Epochs.isEpoch(epoch)) {
            return null;
        }
        return new LastEventId(topic, version, epoch);
    }

}
