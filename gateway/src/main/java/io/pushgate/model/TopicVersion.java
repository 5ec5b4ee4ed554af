package io.pushgate.model;

import java.util.Objects;

/**
 * One version of a topic's text: immutable, shared by every thread that sees it.
 *
 * <p>{@code text} is the UTF-8 encoding of the text; nobody writes to the array after construction.
 */
public record TopicVersion(String topic, String epoch, long version, long publishedMicros, byte[] text) {

    public TopicVersion {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(text, "text");
    }

    /**
     * Whether this version must replace a state known as ({@code epoch}, {@code version}): yes when
     * nothing is known, when the epoch differs (the state was lost and begun again) or when this
     * version is newer.
     */
    public boolean supersedes(String knownEpoch, long knownVersion) {
        return knownEpoch == null
                || (knownEpoch != epoch && !knownEpoch.equals(epoch))
                || version > knownVersion;
    }

    /**
     * Whether this version must replace {@code known}: within an epoch the higher version wins;
     * across epochs the later publish time wins, so that a late read of a lost state can never
     * bring it back after its successor arrived.
     */
    public boolean supersedes(TopicVersion known) {
        if (known == null) {
            return true;
        }
        if (known.epoch == epoch || known.epoch.equals(epoch)) {
            return version > known.version;
        }
        return publishedMicros >= known.publishedMicros;
    }

    /**
     * Whether this version, of the same topic as {@code delivered}, shows that a version was lost:
     * same epoch, and either an older version or the same version number from another publish
     * (another publish time). Versions of one epoch only go up while nothing is lost, and a version
     * seen twice (its message and a read) carries the same publish time both times.
     */
    public boolean regresses(TopicVersion delivered) {
        if (delivered == null || !(delivered.epoch == epoch || delivered.epoch.equals(epoch))) {
            return false;
        }
        return version < delivered.version || (version == delivered.version && publishedMicros != delivered.publishedMicros);
    }
}
