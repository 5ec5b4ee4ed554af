package io.pushgate.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses the units used in flags: durations ({@code 15s}, {@code 500ms}, {@code 2m}) and sizes
 * ({@code 64KiB}). Public so that tools (the load generator) read flags the same way.
 */
public final class Units {
    private Units() {
    }

    public static Duration duration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1).trim()) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).trim()) * 60);
            }
            if (s.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 500ms, 15s, 2m)");
        }
    }

    public static int size(String text) {
        String s = text.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        long factor = 1;
        String number = s;
        if (lower.endsWith("kib") || lower.endsWith("kb") || lower.endsWith("k")) {
            factor = 1024;
        } else if (lower.endsWith("mib") || lower.endsWith("mb") || lower.endsWith("m")) {
            factor = 1024 * 1024;
        }
        if (factor != 1) {
            number = s.replaceAll("(?i)[kmib]+$", "");
        } else if (lower.endsWith("b")) {
            number = s.substring(0, s.length() - 1);
        }
        try {
            long value = Long.parseLong(number.trim()) * factor;
            if (value < 0 || value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("size out of range: '" + text + "'");
            }
            return (int) value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 4096, 64KiB, 1MiB)");
        }
    }
}
