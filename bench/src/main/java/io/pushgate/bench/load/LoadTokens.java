package io.pushgate.bench.load;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.pushgate.auth.Grants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The tokens of a load run, minted as an application's backend would mint them: HS256 with the
 * gateway's HMAC secret file, or RS256 / ES256 with a private JWK whose public half is in the
 * gateway's JWKS file. A stream's token grants exactly the topics its subject's streams read; the
 * publisher's grants publishing to the run's topics. Every token is minted before anything is
 * timed, so the client's own signing never falls in a measured window.
 *
 * <p>Immutable; any thread.
 */
final class LoadTokens {
    private static final Logger log = LoggerFactory.getLogger(LoadTokens.class);
    /** No tokens: the paths carry no query and the publisher no header. */
    static final LoadTokens NONE = new LoadTokens(null, null, 0, Duration.ZERO);
    /** The gateway's default --max-initial-line: a longer request line is refused. */
    private static final int MAX_INITIAL_LINE = 4096;

    private final JWSSigner signer;
    private final JWSHeader header;
    private final int subjects;
    private final Duration lifetime;

    private LoadTokens(JWSSigner signer, JWSHeader header, int subjects, Duration lifetime) {
        this.signer = signer;
        this.header = header;
        this.subjects = subjects;
        this.lifetime = lifetime;
    }

    /**
     * HS256 tokens with the secret of {@code secretFile}, read as the gateway reads it (trailing
     * line ends are not part of it); {@code subjects} 0 means one subject per stream.
     */
    static LoadTokens hmac(Path secretFile, int subjects, Duration lifetime) throws IOException {
        byte[] raw = Files.readAllBytes(secretFile);
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
            end--;
        }
        try {
            return new LoadTokens(new MACSigner(Arrays.copyOf(raw, end)), new JWSHeader(JWSAlgorithm.HS256), subjects, lifetime);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(secretFile + ": " + e.getMessage());
        }
    }

    /** RS256 tokens with a private RSA JWK, ES256 with a private P-256 one, from {@code keyFile}. */
    static LoadTokens privateKey(Path keyFile, int subjects, Duration lifetime) throws IOException {
        try {
            JWK key = JWK.parse(Files.readString(keyFile));
            if (!key.isPrivate()) {
                throw new IllegalArgumentException(keyFile + ": not a private key");
            }
            JWSSigner signer;
            JWSAlgorithm alg;
            if (key instanceof RSAKey rsa) {
                signer = new RSASSASigner(rsa);
                alg = JWSAlgorithm.RS256;
            } else if (key instanceof ECKey ec) {
                signer = new ECDSASigner(ec);
                alg = JWSAlgorithm.ES256;
            } else {
                throw new IllegalArgumentException(keyFile + ": an RSA or EC key is needed, not " + key.getKeyType());
            }
            return new LoadTokens(signer, new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), subjects, lifetime);
        } catch (ParseException | JOSEException e) {
            throw new IllegalArgumentException(keyFile + ": not a usable JWK: " + e.getMessage());
        }
    }

    boolean enabled() {
        return signer != null;
    }

    /** What a report says of these tokens: {@code none}, or the algorithm and the subjects. */
    String description() {
        if (!enabled()) {
            return "none";
        }
        return header.getAlgorithm() + (subjects == 0 ? ", one subject per stream" : ", " + subjects + " subjects");
    }

    /**
     * The query stream {@code i} (of {@code streams}) adds to its path: {@code ?access_token=<jwt>}
     * as a browser's EventSource sends it, or {@code ""} without tokens. Stream i's subject is
     * {@code load-<i mod N>}; its token grants every topic ({@code topicOf}) that subject's
     * streams read, and streams of one subject share it, as a user's tabs share one token.
     */
    IntFunction<String> streamQueries(int streams, IntFunction<String> topicOf) {
        if (!enabled()) {
            return i -> "";
        }
        int n = subjects == 0 ? streams : Math.min(subjects, streams);
        List<TreeSet<String>> read = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            read.add(new TreeSet<>());
        }
        for (int i = 0; i < streams; i++) {
            read.get(i % n).add(topicOf.apply(i));
        }
        long start = System.nanoTime();
        Instant now = Instant.now();
        String[] queries = new String[n];
        int longest = 0;
        for (int k = 0; k < n; k++) {
            queries[k] = "?access_token=" + mint("load-" + k, now, Map.of("subscribe", List.copyOf(read.get(k))));
            longest = Math.max(longest, queries[k].length());
        }
        log.info("minted {} {} stream tokens for {} streams in {} ms (the longest query {} chars)", n, header.getAlgorithm(),
                streams, (System.nanoTime() - start) / 1_000_000, longest);
        if (longest > MAX_INITIAL_LINE - 200) {
            log.warn("a stream's request line may exceed the gateway's default --max-initial-line ({} B): "
                    + "more --token-subjects make each token grant fewer topics", MAX_INITIAL_LINE);
        }
        return i -> queries[i % n];
    }

    /** The publisher's {@code Authorization} value, granting publishes to {@code topicPattern}; null without tokens. */
    String publisherAuthorization(String topicPattern) {
        if (!enabled()) {
            return null;
        }
        return "Bearer " + mint("load-publisher", Instant.now(), Map.of("publish", List.of(topicPattern)));
    }

    private String mint(String subject, Instant now, Map<String, List<String>> grants) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime))).claim(Grants.CLAIM, grants).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }
}
