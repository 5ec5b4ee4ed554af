package io.pushgate.broker;

import io.pushgate.config.FeedSettings;
import io.pushgate.config.TopicSettings;
import io.pushgate.model.FeedHistory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InMemoryFeedBrokerTest extends FeedBrokerContract {
    @Override
    protected FeedBroker feedBroker() {
        return new InMemoryBroker(TopicSettings.NONE, new FeedSettings(CAP));
    }

    @Override
    protected void close(FeedBroker broker) {
        ((InMemoryBroker) broker).close();
    }

    @Test
    void theEmbeddedRingKeepsExactlyTheCap() throws Exception {
        String feed = feed();
        for (int i = 1; i <= CAP + 7; i++) {
            append(feed, "e" + i);
        }
        FeedHistory history = history(feed, 0, 1000);
        assertEquals(8, history.state().firstSeq());
        assertEquals(CAP, history.events().size());
    }
}
