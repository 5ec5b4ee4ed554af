package io.pushgate.wire;

import io.pushgate.model.Epochs;
import io.pushgate.model.TopicVersion;

/**
 * What a reconnecting client already has, parsed from its {@code Last-Event-ID}.
 *
 * <p>Single-topic streams use {@code <version>-<epoch>}. Multi-topic streams use
 * {@code <topic>/<version>-<epoch>} ({@code /} cannot occur in a topic name): the browser sends back
 * only the id of the last event it saw, so after a reconnect the stream knows the state of that one
 * topic and sends the latest version of every other topic of the stream. An id that does not parse
 * is treated as "has nothing", which resends the latest version: never a stale text.
 *
 * @param topic   the topic named by a multi-topic id, or {@code null} for a single-topic id
 * @param version the version the client has
 * @param epoch   the epoch of that version
 */
public record LastEventId(String topic, long version, String epoch) {

    /** Parses an id; {@code null} when absent or malformed. */
    public static LastEventId parse(String id) {
        if (id == null || id.isEmpty() || id.length() > 200) {
            return null;
        }
        String topic = null;
        int slash = id.indexOf('/');
        String rest = id;
        if (slash >= 0) {
            topic = id.substring(0, slash);
            if (!io.pushgate.model.TopicNames.isValid(topic)) {
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

    /** The id of {@code v} on a multi-topic stream. */
    public static String multiTopicId(TopicVersion v) {
        return v.topic() + "/" + v.id();
    }

    /** Whether this id tells the state of {@code name} on a stream of one or several topics. */
    public boolean describes(String name, boolean multiTopic) {
        return topic == null ? !multiTopic : topic.equals(name);
    }
}
