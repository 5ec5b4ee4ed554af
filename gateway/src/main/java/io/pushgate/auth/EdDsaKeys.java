package io.pushgate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.proc.JWSVerifierFactory;

import java.security.Key;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * EdDSA (Ed25519) for Nimbus's token processor, which selects keys as {@code java.security.Key}s
 * and builds verifiers from them: Nimbus's {@link Ed25519Verifier} (on Tink) takes a JWK instead,
 * so an Ed25519 public key of the JWKS file travels through the processor wrapped as an
 * {@link OkpKey}, and {@link #verifiers()} unwraps it. Everything else goes to Nimbus's defaults.
 *
 * <p>Thread rules: stateless; any thread.
 */
final class EdDsaKeys {
    /** {@code EdDSA} (RFC 8037) and its fully specified name {@code Ed25519} (RFC 9864); Ed448 is not supported. */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    /** An Ed25519 public JWK carried as a {@link Key}; only {@link #verifiers()} reads it. */
    record OkpKey(OctetKeyPair jwk) implements PublicKey {
        @Override
        public String getAlgorithm() {
            return "Ed25519";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }

    private EdDsaKeys() {
    }

    /** The Ed25519 public keys of {@code keys} that {@code header} may have been signed with (its {@code kid}, if any). */
    static List<Key> select(JWSHeader header, JWKSet keys) {
        JWKMatcher matcher = new JWKMatcher.Builder().keyType(com.nimbusds.jose.jwk.KeyType.OKP).curve(Curve.Ed25519)
                .keyID(header.getKeyID()).publicOnly(true).build();
        List<Key> out = new ArrayList<>();
        for (JWK jwk : new JWKSelector(matcher).select(keys)) {
            out.add(new OkpKey(((OctetKeyPair) jwk).toPublicJWK()));
        }
        return out;
    }

    /** Nimbus's verifier factory, plus Ed25519 for an {@link OkpKey}. */
    static JWSVerifierFactory verifiers() {
        DefaultJWSVerifierFactory defaults = new DefaultJWSVerifierFactory();
        return new JWSVerifierFactory() {
            @Override
            public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
                if (key instanceof OkpKey okp) {
                    if (!ALGORITHMS.contains(header.getAlgorithm())) {
                        throw new JOSEException("an Ed25519 key verifies EdDSA only");
                    }
                    return new Ed25519Verifier(okp.jwk());
                }
                return defaults.createJWSVerifier(header, key);
            }

            @Override
            public Set<JWSAlgorithm> supportedJWSAlgorithms() {
                Set<JWSAlgorithm> all = new java.util.HashSet<>(defaults.supportedJWSAlgorithms());
                all.addAll(ALGORITHMS);
                return all;
            }

            @Override
            public com.nimbusds.jose.jca.JCAContext getJCAContext() {
                return defaults.getJCAContext();
            }
        };
    }
}
