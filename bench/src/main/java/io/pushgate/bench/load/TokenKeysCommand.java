package io.pushgate.bench.load;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;

/**
 * {@code token-keys}: a fresh key pair for a run with public-key tokens: the private JWK that
 * {@code --token-key-file} signs with, and the JWKS file of its public half for the gateway's
 * {@code --auth-jwks-file}. Made for load runs, not for a deployment's keys.
 */
@Command(name = "token-keys", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a private JWK (for --token-key-file) and the JWKS of its public key (for the gateway's --auth-jwks-file).")
final class TokenKeysCommand implements Callable<Integer> {
    @Option(names = "--private", required = true, paramLabel = "FILE", description = "Where the private JWK goes (owner-only).")
    Path privateFile;

    @Option(names = "--jwks", required = true, paramLabel = "FILE", description = "Where the public JWKS goes.")
    Path jwksFile;

    @Option(names = "--type", defaultValue = "RSA",
            description = "RSA (2048-bit, RS256 tokens) or EC (P-256, ES256 tokens) (default: ${DEFAULT-VALUE}).")
    String type;

    @Override
    public Integer call() throws IOException, JOSEException {
        String kid = "load-" + Long.toString(System.currentTimeMillis(), 36);
        JWK key = switch (type) {
            case "RSA" -> new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
            case "EC" -> new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
            default -> throw new IllegalArgumentException("--type is RSA or EC, not '" + type + "'");
        };
        Files.deleteIfExists(privateFile);
        Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(privateFile, key.toJSONString());
        Files.writeString(jwksFile, new JWKSet(key.toPublicJWK()).toString());
        System.out.println("private key " + privateFile + ", public JWKS " + jwksFile + " (kid " + kid + ")");
        return 0;
    }
}
