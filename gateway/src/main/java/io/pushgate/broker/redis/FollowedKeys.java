package io.pushgate.broker.redis;

import io.lettuce.core.cluster.SlotHash;
import io.pushgate.config.FollowSettings;
import io.pushgate.model.TopicNames;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The keys of one followed topic, as Redis names them: the application's text and counter, and
 * the state hash where the nodes agree on the topic's epoch ({@link RedisLayout#followState}).
 * Immutable.
 */
record FollowedKeys(String topic, String textKeyName, String seqKeyName, byte[] textKey, byte[] seqKey,
                    byte[] stateKey) {

    /** The keys of every follow of {@code follows}; throws as {@link #of} does. */
    static List<FollowedKeys> all(FollowSettings follows, RedisLayout layout, boolean cluster) {
        List<FollowedKeys> out = new ArrayList<>();
        Set<String> states = new HashSet<>();
        for (FollowSettings.Keys keys : follows.follows()) {
            FollowedKeys one = of(keys, layout, cluster);
            if (!states.add(new String(one.stateKey, StandardCharsets.UTF_8))) {
                throw new IllegalArgumentException("follow " + keys.topic() + ": its counter " + keys.seqKey()
                        + " names the same state hash as another follow's counter");
            }
            out.add(one);
        }
        return out;
    }

    /**
     * The keys of {@code keys}; throws when its topic name is not one, or, on a cluster, when the
     * keys are in different slots (one script reads them together).
     */
    static FollowedKeys of(FollowSettings.Keys keys, RedisLayout layout, boolean cluster) {
        if (!TopicNames.isValid(keys.topic())) {
            throw new IllegalArgumentException("follow " + keys.topic() + ": not a valid topic name");
        }
        FollowedKeys out = new FollowedKeys(keys.topic(), keys.textKey(), keys.seqKey(),
                keys.textKey().getBytes(StandardCharsets.UTF_8), keys.seqKey().getBytes(StandardCharsets.UTF_8),
                layout.followState(keys.seqKey()));
        if (cluster) {
            int text = SlotHash.getSlot(out.textKey);
            int seq = SlotHash.getSlot(out.seqKey);
            if (text != seq) {
                throw new IllegalArgumentException("follow " + keys.topic() + ": on a Redis Cluster the text and the counter "
                        + "must share a hash slot, but " + keys.textKey() + " is in slot " + text + " and " + keys.seqKey()
                        + " in slot " + seq + "; give both names one hash tag, e.g. {app}:text and {app}:seq");
            }
            if (SlotHash.getSlot(out.stateKey) != seq) {
                throw new IllegalArgumentException("follow " + keys.topic() + ": the counter's name " + keys.seqKey()
                        + " has a '}' but no hash tag, so no key of the counter's slot can be named after it; "
                        + "give it a hash tag, e.g. {app}:seq");
            }
        }
        return out;
    }
}
