package io.pushgate.config;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Open SSE streams: heartbeats, the {@code retry:} hint, the stream cap and the slow-consumer
 * limit. Immutable.
 *
 * @param retry       base of the {@code retry:} reconnect hint
 * @param retryJitter random extra added to each stream's hint, so reconnects spread
 */
public record StreamSettings(Duration heartbeat, Duration retry, Duration retryJitter, int maxStreams,
                             Duration slowConsumerTimeout) {

    public StreamSettings {
        Checks.positive(heartbeat, "heartbeat");
        Checks.positive(slowConsumerTimeout, "slow-consumer timeout");
        if (maxStreams < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** These settings with another stream cap. */
    public StreamSettings withMaxStreams(int cap) {
        return new StreamSettings(heartbeat, retry, retryJitter, cap, slowConsumerTimeout);
    }

    /** A reconnect delay for one client: the base plus a random jitter. Any thread. */
    public long retryMillis() {
        long jitter = retryJitter.toMillis();
        return retry.toMillis() + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0);
    }
}
