package io.pushgate.model;

import java.util.Objects;

/**
 * A topic's stored state was deleted ({@code DELETE /topics/{t}}, {@code FCALL pushgate_delete}):
 * the epoch it had, its version then, and when it was deleted (Unix micros, the broker's clock). A
 * later publish begins a new epoch. Immutable.
 */
public record TopicDeletion(String topic, String epoch, long version, long deletedMicros) {

    public TopicDeletion {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(epoch, "epoch");
    }
}
