package io.pushgate.wire;

/**
 * What a reconnecting client already has, parsed from its {@code Last-Event-ID} by
 * {@link EventIds#parse}. A stream of named events knows after a reconnect the state of the one
 * topic whose event the browser saw last, and sends the latest version of every other topic.
 *
 * @param topic   the topic named by an id of a named event, or {@code null} for an unnamed one
 * @param version the version the client has
 * @param epoch   the epoch of that version
 */
public record LastEventId(String topic, long version, String epoch) {

    /** Whether this id tells the state of topic {@code name} on a stream of unnamed or {@code named} events. */
    public boolean describes(String name, boolean named) {
        return topic == null ? !named : topic.equals(name);
    }
}
