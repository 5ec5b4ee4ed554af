package io.pushgate.http;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.testing.ClientSide;
import io.pushgate.testing.ClientSide.Answer;
import io.pushgate.testing.EmbeddedGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.pushgate.testing.EmbeddedGateway.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keep-alive: Netty's {@link HttpServerKeepAliveHandler} with the router ({@code --header-timeout 30s},
 * so clients are told 29 s) on an {@link EmbeddedChannel}.
 */
class KeepAliveEmbeddedTest {
    private final ClientSide client = new ClientSide();
    private final EmbeddedGateway gateway = new EmbeddedGateway(new InMemoryBroker(), "--header-timeout", "30s");

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void keptAliveResponseTellsTheIdleTimeout() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        Answer answer = client.answer(channel);
        assertEquals(200, answer.status());
        assertEquals("timeout=29", answer.header("Keep-Alive"));
        assertNull(answer.header("Connection"));
        assertTrue(channel.isActive());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void keepAliveTimeoutIsBelowTheIdleCloseAlsoForSubSecondTimeouts() {
        EmbeddedGateway fast = new EmbeddedGateway(new InMemoryBroker(), "--header-timeout", "500ms");
        EmbeddedChannel channel = fast.connect();
        channel.writeInbound(request("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        Answer answer = client.answer(channel);
        String keepAlive = answer.header("Keep-Alive");
        assertTrue(keepAlive == null || keepAlive.equals("timeout=0"),
                "told " + keepAlive + " but idle connections close after 500 ms");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void connectionCloseFromTheClientIsHonoured() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        Answer answer = client.answer(channel);
        assertEquals(200, answer.status());
        assertEquals("close", answer.header("Connection"));
        assertNull(answer.header("Keep-Alive"));
        assertFalse(channel.isActive());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void responsesWhileDrainingCloseTheConnection() {
        EmbeddedChannel channel = gateway.connect();
        gateway.drain();
        channel.writeInbound(request("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        Answer answer = client.answer(channel);
        assertEquals(200, answer.status());
        assertEquals("close", answer.header("Connection"));
        assertNull(answer.header("Keep-Alive"));
        assertFalse(channel.isActive());
        assertFalse(channel.finishAndReleaseAll());
    }
}
