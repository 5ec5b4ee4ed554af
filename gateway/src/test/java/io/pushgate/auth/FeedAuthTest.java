package io.pushgate.auth;

import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import io.pushgate.testing.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Grants cover feed names as they cover topic names (README "Feeds", "Authorization"), over real sockets. */
class FeedAuthTest {
    private static final String SECRET = "a test secret of at least thirty-two bytes, for HS256";
    private static Path secretFile;
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        secretFile = Files.createTempFile("pushgate-secret", "");
        Files.writeString(secretFile, SECRET);
        node = TestNode.start("--auth-secret-file", secretFile.toString(), "--public-topics", "wall,news.*");
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
        Files.deleteIfExists(secretFile);
    }

    private static String token(Map<String, List<String>> grants) {
        return Tokens.hs256(SECRET, Tokens.claims("alice", grants).expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
    }

    private static HttpResponse<String> post(String feed, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/feeds/" + feed))
                .POST(HttpRequest.BodyPublishers.ofString("x", StandardCharsets.UTF_8));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build());
    }

    private static int get(String pathAndQuery, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(pathAndQuery)).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build()).statusCode();
    }

    @Test
    void anAppendNeedsAPublishGrantCoveringTheFeed() {
        assertEquals(401, post("user.alice.inbox", null).statusCode());
        assertEquals(403, post("user.alice.inbox", token(Map.of("publish", List.of("user.bob.*")))).statusCode());
        assertEquals(403, post("user.alice.inbox", token(Map.of("subscribe", List.of("user.alice.*")))).statusCode(),
                "a subscribe grant does not allow appending");
        assertEquals(200, post("user.alice.inbox", token(Map.of("publish", List.of("user.alice.*")))).statusCode());
    }

    @Test
    void aReadOfAFeedNeedsASubscribeGrantUnlessItIsPublic() {
        String reader = token(Map.of("subscribe", List.of("user.alice.*")));
        assertEquals(401, get("/feeds/user.alice.inbox/events", null));
        assertEquals(401, get("/feeds/user.alice.inbox", null));
        assertEquals(403, get("/feeds/user.bob.inbox/events", reader));
        assertEquals(403, get("/feeds/user.bob.inbox", reader));
        assertEquals(200, get("/feeds/user.alice.inbox/events", reader));
        assertEquals(200, get("/feeds/user.alice.inbox", reader));
        assertEquals(200, get("/feeds/wall/events", null), "--public-topics patterns cover feeds too");
        assertEquals(200, get("/feeds/news.today", null));
    }

    @Test
    void aMixedStreamNeedsAGrantForEveryTopicAndFeed() {
        String reader = token(Map.of("subscribe", List.of("user.alice.*")));
        assertEquals(403, get("/events?topic=user.alice.status&feed=user.bob.inbox", reader));
        assertEquals(200, get("/events?topic=user.alice.status&feed=user.alice.inbox&feed=wall", reader));
        try (SseClient stream = SseClient.open(node.uri("/events?feed=user.alice.inbox&access_token=" + reader))) {
            assertEquals(200, stream.status());
        }
    }
}
