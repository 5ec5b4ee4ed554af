package io.pushgate.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The verification keys, read from an HMAC secret file and/or a JWKS file of public keys, and read
 * again when a file changes (key rotation without a restart): a file's modification time and
 * size are looked at, at most once a second, by the thread that verifies a token. A file that
 * changed into something unreadable keeps the keys read before (logged at ERROR once per change).
 *
 * <p>Thread rules: any thread; the keys are swapped as one immutable set.
 */
final class KeyFiles {
    private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);
    /** HS256 needs a 256-bit key (RFC 7518 3.2); shorter secrets are refused. */
    static final int MIN_SECRET_BYTES = 32;
    private static final long CHECK_INTERVAL = TimeUnit.SECONDS.toNanos(1);

    private record Stamp(FileTime modified, long size) {
        static Stamp of(Path file) throws IOException {
            return file == null ? null : new Stamp(Files.getLastModifiedTime(file), Files.size(file));
        }
    }

    private record Loaded(JWKSet keys, Stamp secret, Stamp jwks) {
    }

    private final Path secretFile;
    private final Path jwksFile;
    private volatile Loaded loaded;
    private volatile long checkedAt;

    /** Reads the files now; throws {@link IllegalArgumentException} naming the file when one cannot be used. */
    KeyFiles(Path secretFile, Path jwksFile) {
        if (secretFile == null && jwksFile == null) {
            throw new IllegalArgumentException("no key file");
        }
        this.secretFile = secretFile;
        this.jwksFile = jwksFile;
        this.loaded = load();
        this.checkedAt = System.nanoTime();
    }

    boolean hasSecret() {
        return secretFile != null;
    }

    boolean hasPublicKeys() {
        return jwksFile != null;
    }

    /** The keys, read again first when a file changed since the last look (at most once a second). */
    JWKSet keys() {
        long now = System.nanoTime();
        if (now - checkedAt >= CHECK_INTERVAL) {
            checkedAt = now;
            reloadIfChanged();
        }
        return loaded.keys();
    }

    private synchronized void reloadIfChanged() {
        Loaded current = loaded;
        try {
            if (Objects.equals(Stamp.of(secretFile), current.secret())
                    && Objects.equals(Stamp.of(jwksFile), current.jwks())) {
                return;
            }
            loaded = load();
            log.info("verification keys read again: {} key(s)", loaded.keys().size());
        } catch (IOException | RuntimeException e) {
            log.error("verification keys changed but cannot be read, keeping the previous ones: {}", e.getMessage());
            try {
                // Not again until the file changes once more.
                loaded = new Loaded(current.keys(), Stamp.of(secretFile), Stamp.of(jwksFile));
            } catch (IOException again) {
                // the file is gone: keep looking
            }
        }
    }

    private Loaded load() {
        try {
            Stamp secretStamp = Stamp.of(secretFile);
            Stamp jwksStamp = Stamp.of(jwksFile);
            List<JWK> keys = new ArrayList<>();
            if (secretFile != null) {
                keys.add(secret(secretFile));
            }
            if (jwksFile != null) {
                keys.addAll(publicKeys(jwksFile));
            }
            return new Loaded(new JWKSet(keys), secretStamp, jwksStamp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a key file: " + e.getMessage(), e);
        }
    }

    private static JWK secret(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        int end = raw.length;
        // A trailing newline from an editor or `echo` is not part of the secret.
        while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
            end--;
        }
        byte[] secret = Arrays.copyOf(raw, end);
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(file + ": an HMAC secret needs at least " + MIN_SECRET_BYTES + " bytes");
        }
        return new OctetSequenceKey.Builder(secret).keyUse(KeyUse.SIGNATURE).build();
    }

    /** The public keys of a JWKS file; a private or secret key in it is refused (a JWKS file is for public keys). */
    private static List<JWK> publicKeys(Path file) throws IOException {
        JWKSet set;
        try {
            set = JWKSet.parse(Files.readString(file));
        } catch (ParseException e) {
            throw new IllegalArgumentException(file + ": not a JWKS document: " + e.getMessage(), e);
        }
        for (JWK key : set.getKeys()) {
            if (key.isPrivate() || key instanceof OctetSequenceKey) {
                throw new IllegalArgumentException(file + ": holds a private or secret key (kid "
                        + key.getKeyID() + "); a JWKS file holds public keys only");
            }
        }
        return set.getKeys();
    }
}
