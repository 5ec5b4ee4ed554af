package io.pushgate.http;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.testing.ForwardingBroker;
import io.pushgate.model.IfMatch;
import io.pushgate.model.TopicVersion;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A broker double whose publishes wait until the test answers them: {@link #publish} returns a
 * future not yet completed; {@link #completeNext} stores the text in an {@link InMemoryBroker}
 * and completes it, {@link #failNext} fails it. Everything else is forwarded to the in-memory broker.
 *
 * <p>Thread rules: the test's thread.
 */
final class PendingBroker extends ForwardingBroker {
    private record Pending(String topic, byte[] text, CompletableFuture<TopicVersion> answer) {
    }

    private final Queue<Pending> pending = new ArrayDeque<>();

    /** Publishes waiting for an answer. */
    int pending() {
        return pending.size();
    }

    /** Completes the oldest waiting publish as the in-memory broker would. */
    void completeNext() {
        Pending next = pending.remove();
        delegate.publish(next.topic(), next.text()).whenComplete((v, failure) -> next.answer().complete(v));
    }

    /** Fails the oldest waiting publish, as a broker that lost its connection does. */
    void failNext() {
        pending.remove().answer().completeExceptionally(new IllegalStateException("broker connection lost"));
    }

    @Override
    public CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        CompletableFuture<TopicVersion> answer = new CompletableFuture<>();
        pending.add(new Pending(topic, text, answer));
        return answer;
    }

    @Override
    public String describe() {
        return "pending (test)";
    }
}
