package io.pushgate.model;

/**
 * A conditional publish found the topic in another state than its {@link IfMatch} required, and
 * stored nothing. {@link #epoch()} is null when the topic has no state (or it is not known).
 */
public final class PreconditionFailed extends RuntimeException {
    private final String epoch;
    private final long version;

    public PreconditionFailed(String epoch, long version) {
        super(epoch == null ? "the topic has no state" : "the topic is at " + version + "-" + epoch, null, false, false);
        this.epoch = epoch;
        this.version = version;
    }

    /** The failure of a condition against {@code current} (null: the topic has no state). */
    public static PreconditionFailed against(TopicVersion current) {
        return current == null ? new PreconditionFailed(null, 0) : new PreconditionFailed(current.epoch(), current.version());
    }

    /** The current state's epoch, or null when the topic has none (or it is not known). */
    public String epoch() {
        return epoch;
    }

    public long version() {
        return version;
    }
}
