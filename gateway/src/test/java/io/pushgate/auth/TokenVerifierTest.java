package io.pushgate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token matrix: every way a token is accepted or refused, each with its reason. */
class TokenVerifierTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final Duration LEEWAY = Duration.ofSeconds(30);
    private static RSAKey rsa;
    private static ECKey ec;
    private static OctetKeyPair ed;

    @TempDir
    Path dir;

    @BeforeAll
    static void keys() throws JOSEException {
        rsa = new RSAKeyGenerator(2048).keyID("r1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
        ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("d1").generate();
    }

    private Path secretFile(String secret) throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, secret + "\n");
        return file;
    }

    private Path jwksFile() throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK(), ed.toPublicJWK())).toString());
        return file;
    }

    private TokenVerifier verifier(Path secret, Path jwks, String audience, String issuer) {
        return new TokenVerifier(secret, jwks, audience, issuer, LEEWAY, Clock.systemUTC());
    }

    private TokenVerifier hmacOnly() throws Exception {
        return verifier(secretFile(SECRET), null, null, null);
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().subject("alice").expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .claim(Grants.CLAIM, Map.of("subscribe", List.of("user.alice.*", "wall"), "publish", List.of("wall")));
    }

    private static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static String hs(String secret, JWSAlgorithm alg, JWTClaimsSet claims) throws JOSEException {
        return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), alg, claims);
    }

    @Test
    void hmacTokensOfEachStrengthAreAcceptedWithTheirSubjectExpiryAndGrants() throws Exception {
        TokenVerifier verifier = hmacOnly();
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
            TokenVerifier.Result result = verifier.verify(hs(SECRET, alg, claims().build()));
            assertTrue(result.ok(), alg + ": " + result.reason());
            assertEquals("alice", result.principal().subject());
            assertTrue(result.principal().expiresAt().isAfter(Instant.now()));
            Grants grants = result.principal().grants();
            assertTrue(grants.maySubscribe("user.alice.inbox"));
            assertTrue(grants.maySubscribe("wall"));
            assertFalse(grants.maySubscribe("user.bob.inbox"), "a prefix grant does not reach another prefix");
            assertFalse(grants.maySubscribe("wall2"), "a name grant is that name only");
            assertTrue(grants.mayPublish("wall"));
            assertFalse(grants.mayPublish("user.alice.inbox"));
        }
    }

    @Test
    void publicKeyTokensAreAcceptedWithTheJwksFile() throws Exception {
        TokenVerifier verifier = verifier(null, jwksFile(), null, null);
        assertTrue(verifier.verify(sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, claims().build())).ok());
        assertTrue(verifier.verify(sign(new RSASSASigner(rsa), JWSAlgorithm.PS256, claims().build())).ok());
        assertTrue(verifier.verify(sign(new ECDSASigner(ec), JWSAlgorithm.ES256, claims().build())).ok());
    }

    @Test
    void ed25519TokensAreAcceptedWithTheJwksFileUnderEitherAlgName() throws Exception {
        TokenVerifier verifier = verifier(null, jwksFile(), null, null);
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519)) {
            TokenVerifier.Result result = verifier.verify(sign(new Ed25519Signer(ed), alg, claims().build()));
            assertTrue(result.ok(), alg + ": " + result.reason());
            assertEquals("alice", result.principal().subject());
        }
        // Without a kid the key is found by its type and curve.
        SignedJWT noKid = new SignedJWT(new JWSHeader(JWSAlgorithm.EdDSA), claims().build());
        noKid.sign(new Ed25519Signer(new OctetKeyPair.Builder(ed).keyID(null).build()));
        assertTrue(verifier.verify(noKid.serialize()).ok());
    }

    @Test
    void ed25519TokensOfAnotherKeyOrWithoutAPublicKeyFileAreRefused() throws Exception {
        OctetKeyPair other = new OctetKeyPairGenerator(Curve.Ed25519).keyID("d1").generate();
        String foreign = sign(new Ed25519Signer(other), JWSAlgorithm.EdDSA, claims().build());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, verifier(null, jwksFile(), null, null).verify(foreign).failure());
        String good = sign(new Ed25519Signer(ed), JWSAlgorithm.EdDSA, claims().build());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, hmacOnly().verify(good).failure());
        // HMAC with the Ed25519 public key's bytes as the secret finds no such HMAC key.
        String confused = sign(new MACSigner(ed.getX().decode()), JWSAlgorithm.HS256, claims().build());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE,
                verifier(secretFile(SECRET), jwksFile(), null, null).verify(confused).failure());
    }

    @Test
    void expiredAndNotYetValidTokensAreRefusedBeyondTheLeeway() throws Exception {
        TokenVerifier verifier = hmacOnly();
        Instant now = Instant.now();
        assertEquals(TokenVerifier.Failure.EXPIRED, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().expirationTime(Date.from(now.minusSeconds(60))).build())).failure());
        assertTrue(verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().expirationTime(Date.from(now.minusSeconds(10))).build())).ok(), "within the leeway");
        assertEquals(TokenVerifier.Failure.NOT_YET_VALID, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().notBeforeTime(Date.from(now.plusSeconds(60))).build())).failure());
    }

    @Test
    void aWrongKeyAlgNoneAndHmacSignedWithThePublicKeyAreRefused() throws Exception {
        TokenVerifier both = verifier(secretFile(SECRET), jwksFile(), null, null);
        TokenVerifier publicOnly = verifier(null, jwksFile(), null, null);
        String otherSecret = hs("another secret of at least thirty-two bytes!!", JWSAlgorithm.HS256, claims().build());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, both.verify(otherSecret).failure());
        String none = new PlainJWT(claims().build()).serialize();
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, both.verify(none).failure(), "alg: none");
        // The classic confusion: HS256 with the RSA public key as the HMAC secret.
        byte[] publicKey = rsa.toRSAPublicKey().getEncoded();
        String confused = sign(new MACSigner(publicKey), JWSAlgorithm.HS256, claims().build());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, both.verify(confused).failure());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, publicOnly.verify(confused).failure());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE,
                hmacOnly().verify(sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, claims().build())).failure(),
                "no public key configured: RS256 has no key");
    }

    @Test
    void audienceAndIssuerAreCheckedWhenConfigured() throws Exception {
        TokenVerifier verifier = verifier(secretFile(SECRET), null, "pushgate", "https://auth.example");
        String right = hs(SECRET, JWSAlgorithm.HS256, claims().audience("pushgate").issuer("https://auth.example").build());
        assertTrue(verifier.verify(right).ok());
        assertEquals(TokenVerifier.Failure.WRONG_AUDIENCE, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().audience("other").issuer("https://auth.example").build())).failure());
        assertEquals(TokenVerifier.Failure.WRONG_AUDIENCE, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().issuer("https://auth.example").build())).failure(), "no audience at all");
        assertEquals(TokenVerifier.Failure.WRONG_ISSUER, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().audience("pushgate").issuer("https://evil.example").build())).failure());
    }

    @Test
    void missingMalformedAndBadGrantsHaveTheirReasons() throws Exception {
        TokenVerifier verifier = hmacOnly();
        assertEquals(TokenVerifier.Failure.MISSING, verifier.verify(null).failure());
        assertEquals(TokenVerifier.Failure.MISSING, verifier.verify("").failure());
        assertEquals(TokenVerifier.Failure.MALFORMED, verifier.verify("not.a.jwt").failure());
        assertEquals(TokenVerifier.Failure.BAD_GRANTS, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().claim(Grants.CLAIM, Map.of("subscribe", "wall")).build())).failure());
        assertEquals(TokenVerifier.Failure.BAD_GRANTS, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().claim(Grants.CLAIM, Map.of("publish", List.of("bad name!"))).build())).failure());
        assertEquals(TokenVerifier.Failure.BAD_GRANTS, verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                claims().claim(Grants.CLAIM, Map.of("revoke", "yes")).build())).failure());
        TokenVerifier.Result noClaim = verifier.verify(hs(SECRET, JWSAlgorithm.HS256,
                new JWTClaimsSet.Builder().subject("bob").build()));
        assertTrue(noClaim.ok(), "a token without grants is valid and grants nothing");
        assertFalse(noClaim.principal().grants().maySubscribe("wall"));
        assertFalse(noClaim.principal().grants().revoke());
        assertEquals(null, noClaim.principal().expiresAt());
    }

    @Test
    void aRotatedSecretFileIsReadAgainWithoutARestart() throws Exception {
        Path file = secretFile(SECRET);
        TokenVerifier verifier = verifier(file, null, null, null);
        String before = hs(SECRET, JWSAlgorithm.HS256, claims().build());
        assertTrue(verifier.verify(before).ok());
        String rotatedSecret = "a rotated secret, also at least thirty-two bytes long";
        Files.writeString(file, rotatedSecret);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        String after = hs(rotatedSecret, JWSAlgorithm.HS256, claims().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> verifier.verify(after).ok());
        assertEquals(TokenVerifier.Failure.BAD_SIGNATURE, verifier.verify(before).failure(), "the old key is gone");
    }

    @Test
    void unusableKeyFilesAreRefusedAtStartWithTheReason() throws Exception {
        IllegalArgumentException shortSecret = assertThrows(IllegalArgumentException.class,
                () -> verifier(secretFile("too short"), null, null, null));
        assertTrue(shortSecret.getMessage().contains("at least 32 bytes"), shortSecret.getMessage());
        Path privateKeys = dir.resolve("private.json");
        Files.writeString(privateKeys, new JWKSet(rsa).toString(false));
        IllegalArgumentException privateKey = assertThrows(IllegalArgumentException.class,
                () -> verifier(null, privateKeys, null, null));
        assertTrue(privateKey.getMessage().contains("public keys only"), privateKey.getMessage());
        assertThrows(IllegalArgumentException.class, () -> verifier(null, null, null, null));
    }

    @Test
    void topicPatternsAreANameAPrefixOrEverything() {
        assertTrue(TopicPattern.parse("*").matches("anything"));
        assertTrue(TopicPattern.parse("user.42.*").matches("user.42.inbox"));
        assertFalse(TopicPattern.parse("user.42.*").matches("user.420"));
        assertTrue(TopicPattern.parse("wall").matches("wall"));
        assertFalse(TopicPattern.parse("wall").matches("wall.2"));
        assertThrows(IllegalArgumentException.class, () -> TopicPattern.parse("has space"));
        assertThrows(IllegalArgumentException.class, () -> TopicPattern.parse(""));
    }
}
