package io.pushgate.http;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.testing.ClientSide;
import io.pushgate.testing.ClientSide.Answer;
import io.pushgate.testing.EmbeddedGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.pushgate.testing.EmbeddedGateway.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link BodyLimit} ({@code --max-text 16}) in the public pipeline on an {@link EmbeddedChannel}. */
class BodyLimitEmbeddedTest {
    private final ClientSide client = new ClientSide();
    private final EmbeddedGateway gateway = new EmbeddedGateway(new InMemoryBroker(), "--max-text", "16");

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void declaredLengthAboveTheLimitGets413WithReasonAndCloses() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request("PUT /topics/a HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n"
                + "x".repeat(17)));
        Answer answer = client.answer(channel);
        assertEquals(413, answer.status());
        assertEquals("text larger than 16 bytes\n", answer.body());
        assertEquals("close", answer.header("Connection"));
        assertFalse(channel.isActive());
        assertEquals(1, gateway.errors().count(413));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void chunkedBodyGrowingAboveTheLimitGets413AndCloses() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request("PUT /topics/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "10\r\n" + "x".repeat(16) + "\r\n" + "1\r\nx\r\n0\r\n\r\n"));
        Answer answer = client.answer(channel);
        assertEquals(413, answer.status());
        assertEquals("text larger than 16 bytes\n", answer.body());
        assertFalse(channel.isActive());
        assertEquals(1, gateway.errors().count(413));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void bodyAtTheLimitIsPublished() {
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request("PUT /topics/a HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n"
                + "x".repeat(16)));
        assertEquals(200, client.answer(channel).status());
        assertEquals(0, gateway.errors().count(413));
        assertFalse(channel.finishAndReleaseAll());
    }
}
