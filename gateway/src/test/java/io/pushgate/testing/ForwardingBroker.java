package io.pushgate.testing;

import io.pushgate.broker.Broker;
import io.pushgate.broker.FeedBroker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.model.FeedEvent;
import io.pushgate.model.FeedHistory;
import io.pushgate.model.Revocation;
import io.pushgate.model.IfMatch;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;

import java.util.concurrent.CompletionStage;

/**
 * A broker double that forwards everything (feeds too) to an embedded {@link InMemoryBroker}; a test
 * overrides the one behaviour it changes (a publish that waits, a connection state, a close it
 * records). Thread rules: those of the embedded broker.
 */
public class ForwardingBroker implements Broker, FeedBroker {
    protected final InMemoryBroker delegate = new InMemoryBroker();

    @Override
    public void start(Broker.Listener listener) {
        delegate.start(listener);
    }

    @Override
    public void startFeeds(FeedBroker.Listener listener) {
        delegate.startFeeds(listener);
    }

    @Override
    public CompletionStage<FeedEvent> append(String feed, byte[] text) {
        return delegate.append(feed, text);
    }

    @Override
    public CompletionStage<FeedHistory> history(String feed, long afterSeq, int limit) {
        return delegate.history(feed, afterSeq, limit);
    }

    @Override
    public void subscribeFeed(String feed) {
        delegate.subscribeFeed(feed);
    }

    @Override
    public void unsubscribeFeed(String feed) {
        delegate.unsubscribeFeed(feed);
    }

    @Override
    public CompletionStage<TopicVersion> publish(String topic, byte[] text, IfMatch ifMatch) {
        return delegate.publish(topic, text, ifMatch);
    }

    @Override
    public CompletionStage<TopicDeletion> delete(String topic, IfMatch ifMatch) {
        return delegate.delete(topic, ifMatch);
    }

    @Override
    public CompletionStage<Long> revoke(Revocation revocation) {
        return delegate.revoke(revocation);
    }

    @Override
    public CompletionStage<TopicVersion> latest(String topic) {
        return delegate.latest(topic);
    }

    @Override
    public void subscribe(String topic) {
        delegate.subscribe(topic);
    }

    @Override
    public void unsubscribe(String topic) {
        delegate.unsubscribe(topic);
    }

    @Override
    public boolean connected() {
        return delegate.connected();
    }

    @Override
    public long reconnects() {
        return delegate.reconnects();
    }

    @Override
    public long resyncs() {
        return delegate.resyncs();
    }

    @Override
    public long malformed() {
        return delegate.malformed();
    }

    @Override
    public String describe() {
        return "test double over " + delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
