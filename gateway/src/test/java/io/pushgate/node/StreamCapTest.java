package io.pushgate.node;

import io.pushgate.testing.NodeProcess;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream cap follows the open-file limit: streams are refused for now before the kernel refuses connections. */
class StreamCapTest {

    @Test
    void theOpenFileLimitLowersTheCapAndKeepsAReserve() {
        StreamCap cap = StreamCap.of(100_000, 20_000);
        assertTrue(cap.lowered());
        assertEquals(20_000 - 256 - 400, cap.streams());
        assertEquals(new StreamCap(100, 20_000, false), StreamCap.of(100, 20_000), "a cap below what the limit allows stays");
        assertEquals(new StreamCap(100_000, -1, false), StreamCap.of(100_000, -1), "an unknown limit lowers nothing");
        assertEquals(1, StreamCap.of(100, 200).streams(), "never below one");
        assertTrue(StreamCap.ofThisProcess() > 0, "this JVM can tell its open-file limit");
    }

    @Test
    void atTheLimitStreamsAreRefusedForNowAndTheAdminPortStillAnswers() throws Exception {
        int files = 700;
        long cap = files - StreamCap.reserve(files);
        try (NodeProcess node = NodeProcess.startWithFileLimit(files, "--bind", "127.0.0.1", "--port", "0",
                "--admin-port", "0", "--accept-rate", "0", "--max-streams", "100000")) {
            int[] ports = node.awaitListening();
            node.awaitLine("stream cap " + cap + ": the open-file limit " + files);
            List<Socket> sockets = new ArrayList<>();
            int accepted = 0;
            int refused = 0;
            try {
                for (int i = 0; i < cap + 100; i++) {
                    Socket socket = new Socket("127.0.0.1", ports[0]);
                    sockets.add(socket);
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write(("GET /topics/t/events HTTP/1.1\r\nHost: x\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    String head = head(socket.getInputStream()).toLowerCase(Locale.ROOT);
                    assertTrue(head.startsWith("http/1.1 200"), head);
                    if (head.contains("transfer-encoding: chunked")) {
                        accepted++;
                    } else {
                        assertTrue(head.contains("content-type: text/event-stream"), head);
                        refused++;
                        socket.close();
                    }
                }
                // The cap check may overshoot by one per event loop.
                assertTrue(accepted >= cap && accepted <= cap + 8, accepted + " streams accepted, cap " + cap);
                assertEquals(cap + 100 - accepted, refused);
                HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        NodeProcess.uri(ports[1], "/healthz")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode());
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
            assertFalse(node.lines().stream().anyMatch(l -> l.contains("Too many open files")), String.join("\n", node.lines()));
        }
    }

    /** The response head, up to the empty line. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the end of the head: " + out);
            }
            out.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
