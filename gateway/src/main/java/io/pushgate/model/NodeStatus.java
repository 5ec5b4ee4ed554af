package io.pushgate.model;

/**
 * The node's lifecycle as the parts that serve requests see it (read only; the node's lifecycle
 * object is the one place that changes it). Any thread.
 */
public interface NodeStatus {

    /** Whether the node is draining or stopped: readiness fails, responses close their connection, new streams end at once. */
    boolean draining();

    /** Whether the node is still starting (its warm-up runs): readiness fails. */
    default boolean starting() {
        return false;
    }
}
