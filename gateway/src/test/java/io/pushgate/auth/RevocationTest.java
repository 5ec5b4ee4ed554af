package io.pushgate.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import io.pushgate.metrics.CloseReason;
import io.pushgate.testing.RedisFixture;
import io.pushgate.testing.SseClient;
import io.pushgate.testing.TestNode;
import io.pushgate.testing.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Revoking a subject on the admin port (a logout, a permission change), over real sockets: its
 * streams end at once with an event that says so, on every node (on Redis, through the broker),
 * its tokens issued before are refused, a fresh one is taken, and nobody else is touched.
 */
class RevocationTest {
    private static final String SECRET = "a test secret of at least thirty-two bytes, for HS256";
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Pattern NODES = Pattern.compile("\"nodes\":(\\d+)");
    private static final Map<String, List<String>> ALL = Map.of("subscribe", List.of("*"), "publish", List.of("*"));
    private static Path secretFile;

    @BeforeAll
    static void keys() throws Exception {
        secretFile = Files.createTempFile("pushgate-secret", "");
        Files.writeString(secretFile, SECRET);
    }

    @AfterAll
    static void removeKeys() throws Exception {
        Files.deleteIfExists(secretFile);
    }

    /** A token of {@code subject} granting everything, issued at {@code issuedAt}. */
    private static String token(String subject, Instant issuedAt) {
        JWTClaimsSet.Builder claims = Tokens.claims(subject, ALL);
        return Tokens.hs256(SECRET, claims.issueTime(Date.from(issuedAt)).build());
    }

    /** A token of an operator (or the application's backend) that may revoke and do nothing else. */
    private static String revoker() {
        return Tokens.hs256(SECRET, Tokens.claims("ops", Map.of("revoke", true)).issueTime(new Date()).build());
    }

    private static HttpResponse<String> revoke(TestNode node, String subject) {
        return revoke(node, subject, revoker());
    }

    /** POST /revocations?subject=… with {@code token} (null: none). */
    private static HttpResponse<String> revoke(TestNode node, String subject, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.adminUri("/revocations?subject=" + subject))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return TestNode.send(request.build());
    }

    private static long nodesReached(HttpResponse<String> answer) {
        assertEquals(200, answer.statusCode(), answer.body());
        Matcher m = NODES.matcher(answer.body());
        assertTrue(m.find(), answer.body());
        return Long.parseLong(m.group(1));
    }

    private static void publish(TestNode node, String topic, String text) {
        HttpResponse<String> answer = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic))
                .header("Authorization", "Bearer " + token("publisher", Instant.now()))
                .PUT(HttpRequest.BodyPublishers.ofString(text)).build());
        assertEquals(200, answer.statusCode(), answer.body());
    }

    private static SseClient stream(TestNode node, String topic, String token) {
        SseClient client = SseClient.open(node.uri("/topics/" + topic + "/events?access_token=" + token));
        assertEquals(200, client.status());
        return client;
    }

    /** A stream asked for with {@code token} gets 401 (an SSE client: a stream that opened would not end). */
    private static void assertStreamRefused(TestNode node, String topic, String token) {
        try (SseClient client = SseClient.open(node.uri("/topics/" + topic + "/events?access_token=" + token))) {
            assertEquals(401, client.status());
        }
        HttpResponse<String> head = TestNode.send(HttpRequest.newBuilder(
                node.uri("/topics/" + topic + "/events?access_token=" + token)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(401, head.statusCode());
    }

    private static void assertEndedAsRevoked(SseClient client) {
        SseClient.Event last = client.next(DEADLINE);
        assertEquals("pushgate.closed", last.type());
        assertEquals("revoked", last.data());
        client.awaitEnd(DEADLINE);
    }

    @Test
    void aRevokedSubjectsStreamsEndItsOldTokensAreRefusedAndAFreshOneIsTaken() throws Exception {
        try (TestNode node = TestNode.start("--auth-secret-file", secretFile.toString())) {
            String topic = TestNode.topic();
            Instant before = Instant.now().minusSeconds(5);
            String aliceOld = token("alice", before);
            String bob = token("bob", before);
            publish(node, topic, "v1");
            try (SseClient alice1 = stream(node, topic, aliceOld);
                 SseClient alice2 = stream(node, topic, aliceOld);
                 SseClient bobs = stream(node, topic, bob)) {
                for (SseClient client : List.of(alice1, alice2, bobs)) {
                    assertEquals("v1", client.next(DEADLINE).data());
                }
                HttpResponse<String> answer = revoke(node, "alice");
                assertEquals(1, nodesReached(answer));
                assertTrue(answer.body().contains("\"subject\":\"alice\""), answer.body());
                assertEndedAsRevoked(alice1);
                assertEndedAsRevoked(alice2);
                // Bob's stream goes on.
                publish(node, topic, "v2");
                assertEquals("v2", bobs.next(DEADLINE).data());
                assertTrue(!bobs.ended());
            }
            await().atMost(DEADLINE).until(() -> node.server.streams().closed(CloseReason.REVOKED) == 2);

            // The token alice had is refused from now on, on a stream and on a publish.
            assertStreamRefused(node, topic, aliceOld);
            HttpResponse<String> publish = TestNode.send(HttpRequest.newBuilder(node.uri("/topics/" + topic))
                    .header("Authorization", "Bearer " + aliceOld).PUT(HttpRequest.BodyPublishers.ofString("x")).build());
            assertEquals(401, publish.statusCode());
            assertEquals("token revoked\n", publish.body());
            assertEquals(3.0, node.scrape().value("pushgate_auth_failures_total", "reason", "revoked"));
            // A token issued after the revocation (with the new permissions, say) is taken.
            try (SseClient fresh = stream(node, topic, token("alice", Instant.now().plusSeconds(1)))) {
                assertEquals("v2", fresh.next(DEADLINE).data());
            }
        }
    }

    @Test
    void onlyATokenThatGrantsRevokeMayRevoke() throws Exception {
        try (TestNode node = TestNode.start("--auth-secret-file", secretFile.toString())) {
            String topic = TestNode.topic();
            publish(node, topic, "v1");
            try (SseClient alice = stream(node, topic, token("alice", Instant.now().minusSeconds(5)))) {
                assertEquals("v1", alice.next(DEADLINE).data());

                HttpResponse<String> none = revoke(node, "alice", null);
                assertEquals(401, none.statusCode(), none.body());
                assertEquals("Bearer error=\"invalid_token\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
                HttpResponse<String> forged = revoke(node, "alice",
                        Tokens.hs256("another secret of at least thirty-two bytes, for HS256",
                                Tokens.claims("ops", Map.of("revoke", true)).build()));
                assertEquals(401, forged.statusCode(), forged.body());
                // A token that may publish and read everything may still not revoke anyone.
                HttpResponse<String> user = revoke(node, "alice", token("mallory", Instant.now()));
                assertEquals(403, user.statusCode(), user.body());
                assertEquals("token grants no revoke\n", user.body());
                // Not in the query nor a cookie: the admin port takes a token from the header only.
                HttpResponse<String> query = TestNode.send(HttpRequest.newBuilder(
                        node.adminUri("/revocations?subject=alice&access_token=" + revoker()))
                        .POST(HttpRequest.BodyPublishers.noBody()).build());
                assertEquals(401, query.statusCode(), query.body());
                assertEquals(1.0, node.scrape().value("pushgate_auth_failures_total", "reason", "bad_signature"));
                assertEquals(2.0, node.scrape().value("pushgate_auth_failures_total", "reason", "missing"));

                // None of those ended alice's stream; the operator's token does.
                publish(node, topic, "v2");
                assertEquals("v2", alice.next(DEADLINE).data());
                assertEquals(1, nodesReached(revoke(node, "alice")));
                assertEndedAsRevoked(alice);
            }
        }
    }

    @Test
    void theAdminPortAsksForOneSubjectAndAPost() {
        try (TestNode node = TestNode.start("--auth-secret-file", secretFile.toString())) {
            HttpResponse<String> none = TestNode.send(HttpRequest.newBuilder(node.adminUri("/revocations"))
                    .header("Authorization", "Bearer " + revoker())
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(400, none.statusCode());
            HttpResponse<String> get = TestNode.send(HttpRequest.newBuilder(node.adminUri("/revocations?subject=a")).build());
            assertEquals(405, get.statusCode());
            assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
            HttpResponse<String> post = TestNode.send(HttpRequest.newBuilder(node.adminUri("/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void onRedisARevocationOnOneNodeEndsTheSubjectsStreamsOnEveryNode() throws Exception {
        try (RedisFixture redis = new RedisFixture();
             TestNode a = TestNode.startConfigured(
                     redis.nodeFlags("--auth-secret-file", secretFile.toString()));
             TestNode b = TestNode.startConfigured(
                     redis.nodeFlags("--auth-secret-file", secretFile.toString()))) {
            await().atMost(DEADLINE).until(() -> a.server.broker().connected() && b.server.broker().connected());
            String topic = TestNode.topic();
            String carol = token("carol", Instant.now().minusSeconds(5));
            publish(a, topic, "v1");
            try (SseClient onA = stream(a, topic, carol); SseClient onB = stream(b, topic, carol)) {
                assertEquals("v1", onA.next(DEADLINE).data());
                assertEquals("v1", onB.next(DEADLINE).data());
                assertEquals(2, nodesReached(revoke(a, "carol")));
                assertEndedAsRevoked(onA);
                assertEndedAsRevoked(onB);
            }
            // Node b, which did not take the request, refuses the old token too.
            assertStreamRefused(b, topic, carol);
        }
    }
}
