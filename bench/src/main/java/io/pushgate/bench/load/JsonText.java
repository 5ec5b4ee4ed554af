package io.pushgate.bench.load;

import java.util.Locale;

/** The few pieces of JSON the reports write by hand: one {@code "name": value,} line, strings, numbers. */
final class JsonText {
    private JsonText() {
    }

    /** Appends {@code "name": value,} and a newline; doubles with {@code decimals} places, non-finite as null. */
    static void field(StringBuilder s, String name, Object value, int decimals) {
        s.append("  ").append(quote(name)).append(": ");
        if (value instanceof String text) {
            s.append(quote(text));
        } else if (value instanceof Double d) {
            s.append(number(d, decimals));
        } else {
            s.append(value);
        }
        s.append(",\n");
    }

    static String number(double d, int decimals) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%." + decimals + "f", d) : "null";
    }

    static String quote(String text) {
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20) {
                q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
