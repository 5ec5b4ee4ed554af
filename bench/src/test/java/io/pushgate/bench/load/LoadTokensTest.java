package io.pushgate.bench.load;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.pushgate.auth.TokenVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadTokensTest {
    private static final String QUERY = "?access_token=";

    @TempDir
    Path dir;

    private TokenVerifier hmacVerifier(Path secret) {
        return new TokenVerifier(secret, null, null, null, Duration.ofSeconds(30), Clock.systemUTC());
    }

    private Path secret() throws Exception {
        // With the trailing newline `echo` or base64 leave: the gateway does not count it, nor may the load generator.
        return Files.writeString(dir.resolve("secret"), "a load-test secret of at least thirty-two bytes\n");
    }

    private static TokenVerifier.Principal principal(TokenVerifier verifier, String query) {
        assertTrue(query.startsWith(QUERY), query);
        TokenVerifier.Result result = verifier.verify(query.substring(QUERY.length()));
        assertTrue(result.ok(), () -> result.reason());
        return result.principal();
    }

    @Test
    void eachStreamHasItsOwnTokenForItsTopicByDefault() throws Exception {
        Path secret = secret();
        IntFunction<String> queries = LoadTokens.hmac(secret, 0, Duration.ofMinutes(5)).streamQueries(6, i -> "t" + (i % 3));
        TokenVerifier verifier = hmacVerifier(secret);
        for (int i = 0; i < 6; i++) {
            TokenVerifier.Principal p = principal(verifier, queries.apply(i));
            assertEquals("load-" + i, p.subject());
            assertTrue(p.grants().maySubscribe("t" + (i % 3)));
            assertFalse(p.grants().maySubscribe("t" + ((i + 1) % 3)));
            assertFalse(p.grants().mayPublish("t" + (i % 3)));
        }
        assertNotEquals(queries.apply(0), queries.apply(3));
    }

    @Test
    void streamsOfOneSubjectShareATokenForAllTheirTopics() throws Exception {
        Path secret = secret();
        IntFunction<String> queries = LoadTokens.hmac(secret, 2, Duration.ofMinutes(5)).streamQueries(6, i -> "t" + (i % 3));
        TokenVerifier.Principal p = principal(hmacVerifier(secret), queries.apply(4));
        assertEquals("load-0", p.subject());
        // Subject 0 has streams 0, 2 and 4: topics t0, t2 and t1.
        assertTrue(p.grants().maySubscribe("t0") && p.grants().maySubscribe("t1") && p.grants().maySubscribe("t2"));
        assertEquals(queries.apply(0), queries.apply(2));
    }

    @Test
    void publisherMayPublishToItsPattern() throws Exception {
        Path secret = secret();
        String authorization = LoadTokens.hmac(secret, 0, Duration.ofMinutes(5)).publisherAuthorization("run-*");
        assertTrue(authorization.startsWith("Bearer "));
        TokenVerifier.Result result = hmacVerifier(secret).verify(authorization.substring("Bearer ".length()));
        assertTrue(result.ok() && result.principal().grants().mayPublish("run-7"));
        assertFalse(result.principal().grants().mayPublish("other"));
    }

    @Test
    void rs256TokensVerifyWithThePublicJwks() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        Path privateKey = Files.writeString(dir.resolve("key.json"), key.toJSONString());
        Path jwks = Files.writeString(dir.resolve("jwks.json"), new JWKSet(key.toPublicJWK()).toString());
        LoadTokens tokens = LoadTokens.privateKey(privateKey, 0, Duration.ofMinutes(5));
        TokenVerifier verifier = new TokenVerifier(null, jwks, null, null, Duration.ofSeconds(30), Clock.systemUTC());
        assertEquals("load-1", principal(verifier, tokens.streamQueries(2, i -> "t").apply(1)).subject());
        assertTrue(tokens.description().startsWith("RS256"));
    }

    @Test
    void withoutAKeyNothingIsSent() {
        assertEquals("", LoadTokens.NONE.streamQueries(3, i -> "t").apply(2));
        assertNull(LoadTokens.NONE.publisherAuthorization("*"));
        assertEquals("none", LoadTokens.NONE.description());
    }
}
