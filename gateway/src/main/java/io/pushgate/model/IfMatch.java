package io.pushgate.model;

/**
 * The state a conditional publish requires (HTTP {@code If-Match}, the publish function's
 * {@code IFMATCH}): {@link #ANY} state at all, or exactly version {@code version} of epoch
 * {@code epoch}. Immutable.
 */
public record IfMatch(String epoch, long version) {
    /** Any state: the topic has a version (RFC 9110 {@code If-Match: *}). */
    public static final IfMatch ANY = new IfMatch(null, 0);

    /** Exactly ({@code version}, {@code epoch}). */
    public static IfMatch exactly(long version, String epoch) {
        if (!Epochs.isEpoch(epoch) || version < 1) {
            throw new IllegalArgumentException("not a state: " + version + "-" + epoch);
        }
        return new IfMatch(epoch, version);
    }

    public boolean any() {
        return epoch == null;
    }

    /** Whether {@code current} (null: the topic has no state) is what this condition requires. */
    public boolean matches(TopicVersion current) {
        return current != null && (any() || (current.version() == version && current.epoch().equals(epoch)));
    }
}
