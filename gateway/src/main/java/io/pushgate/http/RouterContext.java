package io.pushgate.http;

import io.pushgate.metrics.HttpErrors;
import io.pushgate.broker.Broker;
import io.pushgate.config.Config;
import io.pushgate.hub.TopicHub;
import io.pushgate.sse.Streams;

import java.util.function.BooleanSupplier;

/** What every connection's {@link HttpRouter} shares; immutable, any thread. */
public record RouterContext(Config config, Broker broker, TopicHub hub, Streams streams, HttpErrors errors,
                            BooleanSupplier draining, DemoPage demo) {
}
