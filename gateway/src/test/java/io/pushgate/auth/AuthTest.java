package io.pushgate.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.pushgate.testing.PrometheusText;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node with a key file, over real sockets: who may publish and read, by header, query and cookie. */
class AuthTest {
    private static final String SECRET = "a test secret of at least thirty-two bytes, for HS256";
    private static final Duration DEADLINE = Duration.ofSeconds(10);
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

    private static String token(Map<String, List<String>> grants, Instant expires) {
        return Tokens.hs256(SECRET, Tokens.claims("alice", grants).expirationTime(Date.from(expires)).build());
    }

    private static String token(Map<String, List<String>> grants) throws Exception {
        return token(grants, Instant.now().plusSeconds(600));
    }

    private static HttpResponse<String> put(String topic, String text, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/topics/" + topic))
                .PUT(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build());
    }

    private static HttpResponse<String> get(String pathAndQuery, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(pathAndQuery)).GET();
        headers.forEach(request::header);
        return TestNode.send(request.build());
    }

    @Test
    void aPublishWithoutATokenIs401WithWwwAuthenticateAndCounted() {
        String topic = "user.alice." + TestNode.topic();
        double before = node.scrape().value("pushgate_auth_failures_total", "reason", "missing");
        HttpResponse<String> response = put(topic, "x", null);
        assertEquals(401, response.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", response.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals("no token\n", response.body());
        PrometheusText metrics = node.scrape();
        assertEquals(before + 1, metrics.value("pushgate_auth_failures_total", "reason", "missing"));
        assertTrue(metrics.value("pushgate_http_errors_total", "status", "401") >= 1);
    }

    @Test
    void aPublishNeedsAPublishGrantForItsTopic() throws Exception {
        String topic = "user.alice." + TestNode.topic();
        String alice = token(Map.of("publish", List.of("user.alice.*")));
        assertEquals(200, put(topic, "mine", alice).statusCode());
        HttpResponse<String> other = put("user.bob." + TestNode.topic(), "not mine", alice);
        assertEquals(403, other.statusCode());
        assertEquals("token grants no publish to this topic\n", other.body());
        String readOnly = token(Map.of("subscribe", List.of("*")));
        assertEquals(403, put(topic, "x", readOnly).statusCode());
    }

    @Test
    void aDeleteNeedsAPublishGrantForItsTopic() throws Exception {
        String topic = "user.alice." + TestNode.topic();
        String alice = token(Map.of("publish", List.of("user.alice.*"), "subscribe", List.of("*")));
        assertEquals(200, put(topic, "mine", alice).statusCode());
        assertEquals(401, delete(topic, null).statusCode());
        assertEquals(403, delete(topic, token(Map.of("subscribe", List.of("*")))).statusCode(), "reading is not writing");
        assertEquals(403, delete(topic, token(Map.of("publish", List.of("user.bob.*")))).statusCode());
        assertEquals(204, delete(topic, alice).statusCode());
    }

    private static HttpResponse<String> delete(String topic, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/topics/" + topic)).DELETE();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build());
    }

    @Test
    void anExpiredOrForeignTokenIs401() throws Exception {
        String topic = "user.alice." + TestNode.topic();
        String expired = token(Map.of("publish", List.of("*")), Instant.now().minusSeconds(120));
        HttpResponse<String> response = put(topic, "x", expired);
        assertEquals(401, response.statusCode());
        assertEquals("token expired\n", response.body());
        String foreign = Tokens.hs256("another secret, also thirty-two bytes or more",
                new JWTClaimsSet.Builder().claim(Grants.CLAIM, Map.of("publish", List.of("*"))).build());
        assertEquals(401, put(topic, "x", foreign).statusCode());
    }

    @Test
    void aPrivateTopicIsReadWithItsGrantByHeaderQueryOrCookie() throws Exception {
        String topic = "user.alice." + TestNode.topic();
        String writer = token(Map.of("publish", List.of("*")));
        assertEquals(200, put(topic, "private text", writer).statusCode());
        String reader = token(Map.of("subscribe", List.of("user.alice.*")));

        assertEquals(401, get("/topics/" + topic, Map.of()).statusCode());
        assertEquals(403, get("/topics/" + topic, Map.of("Authorization", "Bearer " + writer)).statusCode(),
                "a publish grant is no subscribe grant");
        HttpResponse<String> read = get("/topics/" + topic, Map.of("Authorization", "Bearer " + reader));
        assertEquals(200, read.statusCode());
        assertEquals("private text", read.body());

        try (SseClient none = SseClient.open(node.uri("/topics/" + topic + "/events"))) {
            assertEquals(401, none.status(), "a refusal for the token keeps its status: the client must not retry as is");
        }
        try (SseClient byQuery = SseClient.open(node.uri("/topics/" + topic + "/events?access_token=" + reader))) {
            assertEquals(200, byQuery.status());
            assertEquals("private text", byQuery.next(DEADLINE).data());
        }
        try (SseClient byCookie = SseClient.open(node.uri("/topics/" + topic + "/events"),
                Map.of("Cookie", "theme=dark; pushgate_token=" + reader))) {
            assertEquals(200, byCookie.status());
            assertEquals("private text", byCookie.next(DEADLINE).data());
        }
        try (SseClient byHeader = SseClient.open(node.uri("/topics/" + topic + "/events"),
                Map.of("Authorization", "Bearer " + reader))) {
            assertEquals(200, byHeader.status());
            assertEquals("private text", byHeader.next(DEADLINE).data());
        }
    }

    @Test
    void publicTopicsAreReadWithoutAToken() throws Exception {
        String topic = "news." + TestNode.topic();
        assertEquals(200, put(topic, "headline", token(Map.of("publish", List.of("news.*")))).statusCode());
        assertEquals(200, get("/topics/" + topic, Map.of()).statusCode());
        try (SseClient client = SseClient.open(node.uri("/topics/" + topic + "/events"))) {
            assertEquals(200, client.status());
            assertEquals("headline", client.next(DEADLINE).data());
        }
        assertEquals(401, put("wall", "x", null).statusCode(), "public to read is not public to publish");
    }

    @Test
    void aStreamIsEndedWhenItsTokenExpiresWithAnEventThatSaysSo() throws Exception {
        try (TestNode strict = TestNode.start("--auth-secret-file", secretFile.toString(), "--auth-leeway", "0s",
                "--heartbeat", "1s")) {
            String topic = "user.alice." + TestNode.topic();
            String token = token(Map.of("subscribe", List.of("user.alice.*"), "publish", List.of("*")),
                    Instant.now().plusSeconds(2));
            HttpResponse<String> published = TestNode.send(HttpRequest.newBuilder(strict.uri("/topics/" + topic))
                    .header("Authorization", "Bearer " + token)
                    .PUT(HttpRequest.BodyPublishers.ofString("v1", StandardCharsets.UTF_8)).build());
            assertEquals(200, published.statusCode());
            try (SseClient client = SseClient.open(strict.uri("/topics/" + topic + "/events?access_token=" + token))) {
                assertEquals(200, client.status());
                assertEquals("v1", client.next(DEADLINE).data());
                SseClient.Event last = client.next(DEADLINE);
                assertEquals("pushgate.closed", last.type());
                assertEquals("token expired", last.data());
                client.awaitEnd(DEADLINE);
            }
            // The client may see the end before the node has counted its close.
            await().atMost(DEADLINE).until(
                    () -> strict.server.streams().closed(io.pushgate.metrics.CloseReason.TOKEN_EXPIRED) == 1);
        }
    }

    @Test
    void aStreamIsEndedAtItsTokensExpiryLongBeforeItsNextHeartbeat() throws Exception {
        // The loop looks at an idle stream when its heartbeat is due or its token expires, whichever
        // comes first: with 60 s heartbeats, an expiry 2 s away must still end the stream within seconds.
        try (TestNode strict = TestNode.start("--auth-secret-file", secretFile.toString(), "--auth-leeway", "0s",
                "--heartbeat", "60s")) {
            String topic = "user.alice." + TestNode.topic();
            Instant expires = Instant.now().plusSeconds(2);
            String token = token(Map.of("subscribe", List.of("user.alice.*")), expires);
            try (SseClient client = SseClient.open(strict.uri("/topics/" + topic + "/events?access_token=" + token))) {
                assertEquals(200, client.status());
                SseClient.Event last = client.next(Duration.ofSeconds(8));
                assertEquals("pushgate.closed", last.type());
                assertEquals("token expired", last.data());
                assertTrue(Instant.now().isBefore(expires.plusSeconds(5)), "ended at " + Instant.now() + ", expiry " + expires);
            }
        }
    }

    @Test
    void aStreamOfSeveralTopicsNeedsAGrantForEachPrivateOne() throws Exception {
        String mine = "user.alice." + TestNode.topic();
        String theirs = "user.bob." + TestNode.topic();
        String reader = token(Map.of("subscribe", List.of("user.alice.*")));
        String query = "/events?topic=wall&topic=" + mine + "&topic=" + theirs + "&access_token=" + reader;
        try (SseClient refused = SseClient.open(node.uri(query))) {
            assertEquals(403, refused.status());
        }
        try (SseClient allowed = SseClient.open(node.uri("/events?topic=wall&topic=" + mine + "&access_token=" + reader))) {
            assertEquals(200, allowed.status());
        }
    }

    // Feeds: grants and public patterns cover feed names as they cover topic names.

    /** A token with {@code grants} for ten minutes (feeds are granted as topics are). */
    private static String feedToken(Map<String, List<String>> grants) {
        return token(grants, Instant.now().plusSeconds(600));
    }

    private static HttpResponse<String> post(String feed, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri("/feeds/" + feed))
                .POST(HttpRequest.BodyPublishers.ofString("x", StandardCharsets.UTF_8));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build());
    }

    private static int head(String pathAndQuery, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(pathAndQuery)).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build()).statusCode();
    }

    @Test
    void anAppendNeedsAPublishGrantCoveringTheFeed() {
        assertEquals(401, post("user.alice.inbox", null).statusCode());
        assertEquals(403, post("user.alice.inbox", feedToken(Map.of("publish", List.of("user.bob.*")))).statusCode());
        assertEquals(403, post("user.alice.inbox", feedToken(Map.of("subscribe", List.of("user.alice.*")))).statusCode(),
                "a subscribe grant does not allow appending");
        assertEquals(200, post("user.alice.inbox", feedToken(Map.of("publish", List.of("user.alice.*")))).statusCode());
    }

    @Test
    void aReadOfAFeedNeedsASubscribeGrantUnlessItIsPublic() {
        String reader = feedToken(Map.of("subscribe", List.of("user.alice.*")));
        assertEquals(401, head("/feeds/user.alice.inbox/events", null));
        assertEquals(401, head("/feeds/user.alice.inbox", null));
        assertEquals(403, head("/feeds/user.bob.inbox/events", reader));
        assertEquals(403, head("/feeds/user.bob.inbox", reader));
        assertEquals(200, head("/feeds/user.alice.inbox/events", reader));
        assertEquals(200, head("/feeds/user.alice.inbox", reader));
        assertEquals(200, head("/feeds/wall/events", null), "--public-topics patterns cover feeds too");
        assertEquals(200, head("/feeds/news.today", null));
    }

    @Test
    void aMixedStreamNeedsAGrantForEveryTopicAndFeed() {
        String reader = feedToken(Map.of("subscribe", List.of("user.alice.*")));
        assertEquals(403, head("/events?topic=user.alice.status&feed=user.bob.inbox", reader));
        assertEquals(200, head("/events?topic=user.alice.status&feed=user.alice.inbox&feed=wall", reader));
        try (SseClient stream = SseClient.open(node.uri("/events?feed=user.alice.inbox&access_token=" + reader))) {
            assertEquals(200, stream.status());
        }
    }
}
