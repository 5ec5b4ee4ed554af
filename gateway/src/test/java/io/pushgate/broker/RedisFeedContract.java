package io.pushgate.broker;

import io.pushgate.broker.redis.RedisBroker;
import io.pushgate.config.FeedSettings;
import io.pushgate.config.FollowSettings;
import io.pushgate.config.RedisSettings;
import io.pushgate.config.TopicSettings;

import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** {@link FeedBrokerContract} on a Redis broker of the subclass's settings (one Redis, or a cluster). */
abstract class RedisFeedContract extends FeedBrokerContract {

    /** The settings of the broker of each test. */
    protected abstract RedisSettings settings();

    @Override
    protected FeedBroker feedBroker() {
        return new RedisBroker(settings(), FollowSettings.NONE, TopicSettings.NONE, new FeedSettings(CAP));
    }

    @Override
    protected void connect(FeedBroker broker) {
        RedisBroker redis = (RedisBroker) broker;
        redis.start(new BrokerContract.Recorder());
        await().atMost(Duration.ofSeconds(15)).until(redis::connected);
    }

    @Override
    protected void close(FeedBroker broker) {
        ((RedisBroker) broker).close();
    }
}
