package io.pushgate.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.pushgate.auth.Grants;
import io.pushgate.auth.TokenVerifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cost of checking one token ({@link TokenVerifier#verify}: parse, signature, times, grants),
 * paid once per request that needs one (a publish, a read, the start of a stream), never per
 * delivery: HS256 with a secret file, RS256, ES256 and EdDSA (Ed25519) with a JWKS file. Figures: µs per verify; recorded in
 * {@code bench/RESULTS.md}, "Token verification (JMH)".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class TokenVerifyBenchmark {
    private static final String SECRET = "a benchmark secret of at least thirty-two bytes for HS256";

    @Param({"HS256", "RS256", "ES256", "EdDSA"})
    public String alg;

    private Path dir;
    private TokenVerifier verifier;
    private String token;

    @Setup
    public void prepare() throws Exception {
        dir = Files.createTempDirectory("pushgate-token-bench");
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("alice")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                .claim(Grants.CLAIM, Map.of("subscribe", List.of("user.alice.*", "wall"), "publish", List.of("wall")))
                .build();
        JWSSigner signer;
        if (alg.equals("HS256")) {
            Path secret = Files.writeString(dir.resolve("secret"), SECRET);
            verifier = new TokenVerifier(secret, null, null, null, Duration.ofSeconds(30), Clock.systemUTC());
            signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
        } else if (alg.equals("RS256")) {
            RSAKey key = new RSAKeyGenerator(2048).keyID("bench").generate();
            verifier = publicKeyVerifier(key.toPublicJWK());
            signer = new RSASSASigner(key);
        } else if (alg.equals("ES256")) {
            ECKey key = new ECKeyGenerator(Curve.P_256).keyID("bench").generate();
            verifier = publicKeyVerifier(key.toPublicJWK());
            signer = new ECDSASigner(key);
        } else {
            OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).keyID("bench").generate();
            verifier = publicKeyVerifier(key.toPublicJWK());
            signer = new Ed25519Signer(key);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.parse(alg)), claims);
        jwt.sign(signer);
        token = jwt.serialize();
        if (!verifier.verify(token).ok()) {
            throw new IllegalStateException("the benchmark's token does not verify");
        }
    }

    /** A verifier with {@code key} as the one public key of its JWKS file. */
    private TokenVerifier publicKeyVerifier(JWK key) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), new JWKSet(key).toString());
        return new TokenVerifier(null, jwks, null, null, Duration.ofSeconds(30), Clock.systemUTC());
    }

    @TearDown
    public void cleanUp() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    public TokenVerifier.Result verify() {
        return verifier.verify(token);
    }
}
