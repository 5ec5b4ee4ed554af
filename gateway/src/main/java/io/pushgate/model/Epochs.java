package io.pushgate.model;

import java.util.concurrent.ThreadLocalRandom;

/** Epoch tokens: 8 random base-36 characters (README, "Versions, epochs and resuming"). */
public final class Epochs {
    private static final char[] DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private Epochs() {
    }

    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] token = new char[8];
        for (int i = 0; i < token.length; i++) {
            token[i] = DIGITS[random.nextInt(DIGITS.length)];
        }
        return new String(token);
    }

    /** Whether {@code s} has the shape of an epoch token (1..16 base-36 characters). */
    public static boolean isEpoch(CharSequence s) {
        if (s.length() == 0 || s.length() > 16) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        return true;
    }
}
