package io.pushgate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies a JWT with Nimbus JOSE+JWT (no crypto of ours) against the keys of {@link KeyFiles},
 * then checks its times, audience and issuer and reads its grants. Algorithms are allow-listed
 * per key type: HS256/384/512 only with the secret file's key, RS/PS/ES and EdDSA (Ed25519, see
 * {@link EdDsaKeys}) with the JWKS file's public keys; {@code alg: none} is refused, and a token
 * HMAC-signed with a public key finds no HMAC key but the secret, so its signature fails.
 *
 * <p>Thread rules: any thread; immutable but for the key files it reads again when they change.
 */
public final class TokenVerifier {
    private static final Set<JWSAlgorithm> HMAC = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
    private static final Set<JWSAlgorithm> PUBLIC_KEY = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    /** Why a token was refused; the label of the auth-failure counter. */
    public enum Failure { MISSING, MALFORMED, BAD_SIGNATURE, EXPIRED, NOT_YET_VALID, WRONG_AUDIENCE, WRONG_ISSUER, BAD_GRANTS,
        /** Its subject was revoked after the token was issued (checked by {@link Access}). */
        REVOKED }

    /**
     * Who a verified token speaks for: its {@code sub} (null: none), when it was issued ({@code iat};
     * null: not said), its {@code exp} (null: none) and its grants.
     */
    public record Principal(String subject, Instant issuedAt, Instant expiresAt, Grants grants) {
    }

    /** A verified principal, or the failure and a one-line reason (never the token itself). */
    public record Result(Principal principal, Failure failure, String reason) {
        static Result refused(Failure failure, String reason) {
            return new Result(null, failure, reason);
        }

        public boolean ok() {
            return principal != null;
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String audience;
    private final String issuer;
    private final Duration leeway;
    private final Clock clock;

    /**
     * Keys from {@code secretFile} (HMAC) and/or {@code jwksFile} (public keys), either may be null
     * but not both; {@code audience} and {@code issuer} are checked when not null.
     */
    public TokenVerifier(Path secretFile, Path jwksFile, String audience, String issuer, Duration leeway, Clock clock) {
        KeyFiles keys = new KeyFiles(secretFile, jwksFile);
        Set<JWSAlgorithm> allowed = new HashSet<>();
        if (keys.hasSecret()) {
            allowed.addAll(HMAC);
        }
        if (keys.hasPublicKeys()) {
            allowed.addAll(PUBLIC_KEY);
            allowed.addAll(EdDsaKeys.ALGORITHMS);
        }
        JWSVerificationKeySelector<SecurityContext> standard = new JWSVerificationKeySelector<>(allowed,
                (selector, context) -> selector.select(keys.keys()));
        processor.setJWSKeySelector((header, context) -> allowed.contains(header.getAlgorithm())
                && EdDsaKeys.ALGORITHMS.contains(header.getAlgorithm())
                ? EdDsaKeys.select(header, keys.keys()) : standard.selectJWSKeys(header, context));
        processor.setJWSVerifierFactory(EdDsaKeys.verifiers());
        // Times, audience and issuer are checked below, each with its own reason.
        processor.setJWTClaimsSetVerifier(null);
        this.audience = audience;
        this.issuer = issuer;
        this.leeway = leeway;
        this.clock = clock;
    }

    public Result verify(String token) {
        if (token == null || token.isEmpty()) {
            return Result.refused(Failure.MISSING, "no token");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            return Result.refused(Failure.MALFORMED, "token is not a JWT");
        } catch (BadJOSEException | JOSEException e) {
            return Result.refused(Failure.BAD_SIGNATURE, "token signature not verified");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp != null && now.isAfter(exp.toInstant().plus(leeway))) {
            return Result.refused(Failure.EXPIRED, "token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant().minus(leeway))) {
            return Result.refused(Failure.NOT_YET_VALID, "token not valid yet");
        }
        if (audience != null) {
            List<String> audiences = claims.getAudience();
            if (audiences == null || !audiences.contains(audience)) {
                return Result.refused(Failure.WRONG_AUDIENCE, "token not for this audience");
            }
        }
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            return Result.refused(Failure.WRONG_ISSUER, "token not from the expected issuer");
        }
        Grants grants;
        try {
            grants = Grants.fromClaim(claims.getClaim(Grants.CLAIM));
        } catch (IllegalArgumentException e) {
            return Result.refused(Failure.BAD_GRANTS, e.getMessage());
        }
        Date iat = claims.getIssueTime();
        return new Result(new Principal(claims.getSubject(), iat == null ? null : iat.toInstant(),
                exp == null ? null : exp.toInstant(), grants), null, null);
    }
}
