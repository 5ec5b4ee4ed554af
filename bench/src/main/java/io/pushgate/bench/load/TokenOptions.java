package io.pushgate.bench.load;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether and how the load commands carry tokens, declared once for all of them (a picocli mixin):
 * without a key option no token is sent, as to an open node.
 */
final class TokenOptions {
    @Option(names = "--token-secret-file", paramLabel = "FILE",
            description = "Mint HS256 tokens with this HMAC secret (the gateway's --auth-secret-file): streams send "
                    + "theirs as the access_token query parameter, the publisher as Authorization: Bearer. "
                    + "Default: no tokens.")
    Path secretFile;

    @Option(names = "--token-key-file", paramLabel = "FILE",
            description = "Mint RS256 (RSA) or ES256 (EC P-256) tokens with this private JWK, whose public half is in "
                    + "the gateway's --auth-jwks-file (the token-keys command makes both).")
    Path keyFile;

    @Option(names = "--token-subjects", paramLabel = "N", defaultValue = "0",
            description = "Stream i's token has the subject load-<i mod N> and grants the topics of that subject's "
                    + "streams, which share it; 0: one subject and token per stream, as every browser has its own "
                    + "(default: ${DEFAULT-VALUE}).")
    int subjects;

    @Option(names = "--token-lifetime", defaultValue = "1h", converter = DurationConverter.class,
            description = "Tokens expire this long after they are minted, before the run starts (default: ${DEFAULT-VALUE}).")
    Duration lifetime;

    /** The tokens these options ask for, {@link LoadTokens#NONE} without a key; minting is left to the command. */
    LoadTokens tokens() throws IOException {
        if (secretFile != null && keyFile != null) {
            throw new IllegalArgumentException("--token-secret-file or --token-key-file, not both");
        }
        if (subjects < 0 || lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("--token-subjects must not be negative, --token-lifetime positive");
        }
        if (secretFile != null) {
            return LoadTokens.hmac(secretFile, subjects, lifetime);
        }
        if (keyFile != null) {
            return LoadTokens.privateKey(keyFile, subjects, lifetime);
        }
        return LoadTokens.NONE;
    }

    /** The same options, for another load process (fanout --procs). */
    List<String> arguments() {
        List<String> args = new ArrayList<>();
        if (secretFile != null) {
            args.addAll(List.of("--token-secret-file", secretFile.toString()));
        }
        if (keyFile != null) {
            args.addAll(List.of("--token-key-file", keyFile.toString()));
        }
        args.addAll(List.of("--token-subjects", Integer.toString(subjects), "--token-lifetime", lifetime.toMillis() + "ms"));
        return args;
    }
}
