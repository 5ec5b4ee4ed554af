package io.pushgate.http;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.testing.ClientSide;
import io.pushgate.testing.ClientSide.Answer;
import io.pushgate.testing.EmbeddedGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.pushgate.testing.EmbeddedGateway.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request deadline ({@link RequestDeadline} on a {@link RequestTimeouts} the test ticks with a
 * chosen time, as the loop's ticker would) in the public pipeline on an {@link EmbeddedChannel}.
 */
class RequestDeadlineEmbeddedTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final RequestTimeouts timeouts = new RequestTimeouts(TIMEOUT);
    private final ClientSide client = new ClientSide();

    @AfterEach
    void closeClient() {
        client.close();
    }

    private EmbeddedChannel connect(EmbeddedGateway gateway) {
        return gateway.connect(channel -> new RequestDeadline(timeouts, gateway.errors()));
    }

    /** A tick just after every deadline armed until now has passed. */
    private void tickPastTheDeadline() {
        timeouts.tick(System.nanoTime() + TIMEOUT.toNanos() + 1);
    }

    @Test
    void partialRequestPastTheDeadlineGets408AndIsClosed() {
        EmbeddedGateway gateway = new EmbeddedGateway(new InMemoryBroker());
        EmbeddedChannel channel = connect(gateway);
        channel.writeInbound(request("GET / HTTP/1.1\r\nHost: x\r\n"));
        tickPastTheDeadline();
        Answer answer = client.answer(channel);
        assertEquals(408, answer.status());
        assertEquals("request not complete in time\n", answer.body());
        assertEquals("close", answer.header("Connection"));
        assertFalse(channel.isActive());
        assertEquals(1, gateway.errors().count(408));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void partialRequestBeforeTheDeadlineIsLeftAlone() {
        EmbeddedGateway gateway = new EmbeddedGateway(new InMemoryBroker());
        EmbeddedChannel channel = connect(gateway);
        channel.writeInbound(request("GET / HTTP/1.1\r\nHost: x\r\n"));
        timeouts.tick(System.nanoTime());
        assertNull(channel.readOutbound());
        assertTrue(channel.isActive());
        assertEquals(0, gateway.errors().count(408));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void idleKeptAliveConnectionIsClosedQuietly() {
        EmbeddedGateway gateway = new EmbeddedGateway(new InMemoryBroker());
        EmbeddedChannel channel = connect(gateway);
        channel.writeInbound(request("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(404, client.answer(channel).status());
        assertTrue(channel.isActive(), "kept alive after the response");
        tickPastTheDeadline();
        assertFalse(channel.isActive());
        assertNull(channel.readOutbound(), "closed without a response");
        assertEquals(0, gateway.errors().count(408));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void wholeRequestWaitingForTheBrokerGetsNo408() {
        PendingBroker broker = new PendingBroker();
        EmbeddedGateway gateway = new EmbeddedGateway(broker);
        EmbeddedChannel channel = connect(gateway);
        channel.writeInbound(request("PUT /topics/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\ntext"));
        tickPastTheDeadline();
        assertTrue(channel.isActive());
        assertNull(channel.readOutbound());

        broker.completeNext();
        channel.runPendingTasks();
        assertEquals(200, client.answer(channel).status());
        assertEquals(0, gateway.errors().count(408));
        assertFalse(channel.finishAndReleaseAll());
    }
}
