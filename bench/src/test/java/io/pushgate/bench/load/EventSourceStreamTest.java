package io.pushgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The EventSource rules of {@link EventSourceStream} against a scripted server on a real socket:
 * a refusal for now (200, a retry:, the end) and a broken stream are retried with the last
 * Last-Event-ID; a 503 closes the stream for good.
 */
class EventSourceStreamTest {
    private static final String REFUSAL_BODY = ": refused for now\nretry: 50\n\n";

    @Test
    void retriesARefusalAndABrokenStreamButNotA503(@TempDir Path dir) throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread script = new Thread(() -> serve(server, requests), "scripted-server");
            script.start();
            Path file = dir.resolve("events.tsv");
            EventSourceStream stream;
            try (EventLog log = new EventLog(file)) {
                InetSocketAddress remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
                stream = new EventSourceStream(7, "/topics/t/events", "127.0.0.1", new Bootstrap().group(group)
                        .channel(NioSocketChannel.class), remote,
                        () -> new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), log, new Recorder(3));
                stream.connect();
                EventSourceStream opened = stream;
                await().atMost(Duration.ofSeconds(10)).until(() -> opened.state() == EventSourceStream.State.CLOSED);
                script.join(TimeUnit.SECONDS.toMillis(10));
                // Closed for good: it stays closed, no fourth connection comes.
                await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
                        .until(() -> opened.state() == EventSourceStream.State.CLOSED && requests.size() == 3);
            }
            assertEquals(EventSourceStream.State.CLOSED, stream.state());
            List<String> kinds = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                String[] fields = line.split("\t");
                assertEquals("7", fields[2]);
                kinds.add(fields[1] + (fields[1].equals("event") ? " " + fields[3] : ""));
            }
            assertEquals(List.of("open", "retry", "end", "open", "event 3-abc", "end", "fail"), kinds);
            assertEquals(3, requests.size(), "requests: " + requests);
            assertTrue(!requests.get(1).contains("last-event-id"), requests.get(1));
            assertTrue(requests.get(2).contains("last-event-id: 3-abc"), requests.get(2));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Three connections: a refusal for now, a stream with one event that breaks, a 503. */
    private static void serve(ServerSocket server, List<String> requests) {
        String[] answers = {
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: "
                    + REFUSAL_BODY.length() + "\r\n\r\n" + REFUSAL_BODY,
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "17\r\nid: 3-abc\ndata: hello\n\n\r\n",
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        };
        try {
            server.setSoTimeout(10_000);
            for (String answer : answers) {
                try (Socket socket = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                    StringBuilder head = new StringBuilder();
                    for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                        head.append(line.toLowerCase()).append('\n');
                    }
                    requests.add(head.toString());
                    OutputStream out = socket.getOutputStream();
                    out.write(answer.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            server.setSoTimeout(300);
            try (Socket unexpected = server.accept()) {
                requests.add("unexpected fourth connection");
            }
        } catch (java.net.SocketTimeoutException expected) {
            // no fourth connection: right
        } catch (java.io.IOException e) {
            requests.add("server failed: " + e);
        }
    }
}
