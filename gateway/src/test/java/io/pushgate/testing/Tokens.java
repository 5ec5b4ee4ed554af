package io.pushgate.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/** Tokens for tests: HS256-signed JWTs with a subject, grants and times. */
public final class Tokens {
    private Tokens() {
    }

    /** Claims of {@code subject} with {@code grants} ({@code subscribe}/{@code publish} lists, {@code revoke}), expiring in 10 minutes. */
    public static JWTClaimsSet.Builder claims(String subject, Map<String, ?> grants) {
        return new JWTClaimsSet.Builder().subject(subject).claim("pushgate", grants)
                .expirationTime(Date.from(Instant.now().plusSeconds(600)));
    }

    /** {@code claims} signed HS256 with {@code secret}. */
    public static String hs256(String secret, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
