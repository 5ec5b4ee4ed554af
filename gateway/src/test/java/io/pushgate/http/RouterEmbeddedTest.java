package io.pushgate.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.testing.ClientSide;
import io.pushgate.testing.ClientSide.Answer;
import io.pushgate.testing.EmbeddedGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.pushgate.testing.EmbeddedGateway.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router, its routing table and resources on an {@link EmbeddedChannel}: status by status, no sockets. */
class RouterEmbeddedTest {
    private final ClientSide client = new ClientSide();

    @AfterEach
    void closeClient() {
        client.close();
    }

    private static EmbeddedGateway gateway() {
        return new EmbeddedGateway(new InMemoryBroker());
    }

    private static String put(String path, String text) {
        return "PUT " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + text.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + text;
    }

    private Answer exchange(EmbeddedChannel channel, String request) {
        channel.writeInbound(request(request));
        return client.answer(channel);
    }

    @Test
    void unknownPathIs404() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect();
        Answer answer = exchange(channel, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(404, answer.status());
        assertEquals("no such resource\n", answer.body());
        assertEquals(1, gateway.errors().count(404));
        assertTrue(channel.isActive(), "a 404 keeps the connection");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void wrongMethodIs405WithAllow() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect();
        Answer answer = exchange(channel, "POST /topics/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertEquals(405, answer.status());
        assertEquals("GET, HEAD, PUT, DELETE, OPTIONS", answer.header("Allow"));
        assertEquals(1, gateway.errors().count(405));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void optionsIs204WithAllow() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect();
        Answer answer = exchange(channel, "OPTIONS /topics/a/events HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(204, answer.status());
        assertEquals("GET, HEAD, OPTIONS", answer.header("Allow"));
        assertEquals("", answer.body());
        assertEquals(0, gateway.errors().count(405));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void invalidTopicNameIs400() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect();
        Answer answer = exchange(channel, "GET /topics/bad*name HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(400, answer.status());
        assertEquals(StreamResource.INVALID_TOPIC + "\n", answer.body());
        assertEquals(1, gateway.errors().count(400));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void putWithBodyThatIsNotUtf8Is400() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(Unpooled.wrappedBuffer(
                request("PUT /topics/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n"),
                Unpooled.wrappedBuffer(new byte[] {(byte) 0xC3, (byte) 0x28})));
        Answer answer = client.answer(channel);
        assertEquals(400, answer.status());
        assertEquals("text is not valid UTF-8\n", answer.body());
        assertEquals(1, gateway.errors().count(400));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void putAnswersTopicVersionAndEpochWithETag() {
        EmbeddedChannel channel = gateway().connect();
        Answer answer = exchange(channel, put("/topics/news", "hello"));
        assertEquals(200, answer.status());
        assertEquals("application/json", answer.header("Content-Type"));
        assertTrue(answer.body().matches("\\{\"topic\":\"news\",\"version\":1,\"epoch\":\"[0-9a-z]{8}\"}"), answer.body());
        String epoch = answer.body().replaceAll(".*\"epoch\":\"([0-9a-z]{8})\".*", "$1");
        assertEquals("\"1-" + epoch + "\"", answer.header("ETag"));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void getWithMatchingIfNoneMatchIs304() {
        EmbeddedChannel channel = gateway().connect();
        String etag = exchange(channel, put("/topics/news", "hello")).header("ETag");
        Answer answer = exchange(channel, "GET /topics/news HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\n\r\n");
        assertEquals(304, answer.status());
        assertEquals(etag, answer.header("ETag"));
        assertEquals("", answer.body());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWhileBrokerCallIsPending() {
        PendingBroker broker = new PendingBroker();
        EmbeddedChannel channel = new EmbeddedGateway(broker).connect();
        channel.writeInbound(request(put("/topics/a", "first")
                + "GET /topics/a HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(1, broker.pending());
        assertTrue(client.answers(channel).isEmpty(), "nothing is answered before the publish");

        broker.completeNext();
        channel.runPendingTasks();
        List<Answer> answers = client.answers(channel);
        assertEquals(List.of(200, 200, 404), answers.stream().map(Answer::status).toList());
        assertTrue(answers.get(0).body().startsWith("{\"topic\":\"a\",\"version\":1,"), answers.get(0).body());
        assertEquals("first", answers.get(1).body(), "the GET behind the PUT sees its version");
        assertEquals(answers.get(0).header("ETag"), answers.get(1).header("ETag"));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void connectionOverTheAcceptRateIs429AndClosed() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect(true);
        Answer answer = exchange(channel, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(429, answer.status());
        assertEquals("1", answer.header("Retry-After"));
        assertEquals("close", answer.header("Connection"));
        assertFalse(channel.isActive());
        assertEquals(1, gateway.errors().count(429));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void aStreamOverTheAcceptRateIsA200EventStreamWithARetryAndClosed() {
        EmbeddedGateway gateway = gateway();
        EmbeddedChannel channel = gateway.connect(true);
        Answer answer = exchange(channel, "GET /topics/a/events HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, answer.status());
        assertTrue(answer.header("Content-Type").startsWith("text/event-stream"), answer.header("Content-Type"));
        assertTrue(answer.body().matches(": too many new connections, retry later\nretry: \\d+\n\n"), answer.body());
        assertEquals("close", answer.header("Connection"));
        assertFalse(channel.isActive());
        assertEquals(1, gateway.errors().refusals(io.pushgate.metrics.StreamRefusal.ACCEPT_RATE));
        assertEquals(0, gateway.errors().count(429));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void brokerFailureIs503WithRetryAfter() {
        PendingBroker broker = new PendingBroker();
        EmbeddedGateway gateway = new EmbeddedGateway(broker);
        EmbeddedChannel channel = gateway.connect();
        channel.writeInbound(request(put("/topics/a", "text")));
        broker.failNext();
        channel.runPendingTasks();
        Answer answer = client.answer(channel);
        assertEquals(503, answer.status());
        assertEquals("1", answer.header("Retry-After"));
        assertEquals("broker unavailable, retry later\n", answer.body());
        assertEquals(1, gateway.errors().count(503));
        assertTrue(channel.isActive(), "a 503 keeps the connection");
        assertFalse(channel.finishAndReleaseAll());
    }
}
