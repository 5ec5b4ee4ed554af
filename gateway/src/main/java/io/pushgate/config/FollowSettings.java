package io.pushgate.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Topics served from an application's own Redis keys (README, "Following an application's keys"):
 * each {@link Keys} names a topic, the key holding its text and the counter the application
 * increments on every change. Only a Redis broker follows keys. Immutable.
 *
 * @param follows       the followed topics; empty: none
 * @param notifications whether to use Redis' keyspace notifications (enabling them with CONFIG SET if
 *                      they are off); false: poll the counters only
 * @param poll       how often the counters are read when Redis sends no keyspace notifications
 * @param safetyPoll how often each served followed topic is checked in full, in both modes (a
 *                   notification is lost on a reconnect; keys begun again at the same counter change no
 *                   counter), and how long a changed text at an unchanged counter waits to be a new epoch
 */
public record FollowSettings(List<Keys> follows, boolean notifications, Duration poll, Duration safetyPoll) {

    /** No followed topic. */
    public static final FollowSettings NONE = new FollowSettings(List.of(), true, Duration.ofMillis(100), Duration.ofSeconds(1));

    /**
     * One followed topic: {@code topic} is served from the text in {@code textKey}, and its version is
     * the integer in {@code seqKey}.
     */
    public record Keys(String topic, String textKey, String seqKey) {
        public Keys {
            if (topic.isEmpty() || textKey.isEmpty() || seqKey.isEmpty()) {
                throw new IllegalArgumentException("a follow needs a topic, a text key and a counter key");
            }
            if (textKey.equals(seqKey)) {
                throw new IllegalArgumentException("follow " + topic + ": the text and the counter need two keys");
            }
        }

        /** Parses {@code TOPIC=TEXT_KEY,SEQ_KEY} (surrounding blanks ignored). */
        public static Keys parse(String spec) {
            String s = spec.trim();
            int eq = s.indexOf('=');
            int comma = s.indexOf(',', eq + 1);
            if (eq <= 0 || comma < 0 || s.indexOf(',', comma + 1) >= 0) {
                throw new IllegalArgumentException("a follow is TOPIC=TEXT_KEY,SEQ_KEY, not '" + spec + "'");
            }
            return new Keys(s.substring(0, eq).trim(), s.substring(eq + 1, comma).trim(), s.substring(comma + 1).trim());
        }
    }

    public FollowSettings {
        follows = List.copyOf(follows);
        if (poll.isNegative() || poll.isZero() || safetyPoll.isNegative() || safetyPoll.isZero()) {
            throw new IllegalArgumentException("--follow-poll and --follow-safety-poll must be above zero");
        }
        Set<String> topics = new HashSet<>();
        Set<String> counters = new HashSet<>();
        for (Keys k : follows) {
            if (!topics.add(k.topic())) {
                throw new IllegalArgumentException("topic " + k.topic() + " is followed twice");
            }
            // One counter, one epoch: its state hash is named after it.
            if (!counters.add(k.seqKey())) {
                throw new IllegalArgumentException("the counter " + k.seqKey() + " is followed twice: one counter serves one topic");
            }
        }
    }
}
