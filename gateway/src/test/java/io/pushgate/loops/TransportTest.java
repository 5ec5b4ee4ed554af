package io.pushgate.loops;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every transport serves the same stream contract (this kernel offers all three). */
class TransportTest {

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void fanOutWorksOnEveryTransport(String transport) {
        try (TestNode node = TestNode.start("--transport", transport)) {
            assertEquals(transport, node.server.transportName());
            String topic = TestNode.topic();
            node.publish(topic, "first");
            List<SseClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    clients.add(node.stream(topic));
                }
                for (SseClient client : clients) {
                    assertEquals("first", client.next().data());
                }
                node.publish(topic, "second\nline");
                for (SseClient client : clients) {
                    assertEquals("second\nline", client.next().data());
                }
            } finally {
                clients.forEach(SseClient::close);
            }
        }
    }
}
