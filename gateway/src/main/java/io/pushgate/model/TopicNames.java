package io.pushgate.model;

/**
 * Topic names: {@code [A-Za-z0-9._:-]{1,128}}, not beginning with {@value #RESERVED} (README, "The
 * wire format"): on a stream of several topics an event is named by its topic, and the gateway's
 * own events ({@code pushgate.closed}) must not be mistaken for a topic's. Neither {@code .} nor
 * {@code ..}: as a path segment they are dot-segments, which browsers, proxies and URL libraries
 * remove (RFC 3986, 5.2.4), so {@code /topics/../events} would reach the node as {@code /events}.
 */
public final class TopicNames {
    public static final int MAX_LENGTH = 128;
    /** The prefix of the gateway's own event names, which no topic may have. */
    public static final String RESERVED = "pushgate.";
    /** What a client is told about a name that is not valid. */
    public static final String RULE = "[A-Za-z0-9._:-]{1,128}, not . or .., not beginning with " + RESERVED;

    private TopicNames() {
    }

    public static boolean isValid(CharSequence name) {
        int length = name.length();
        if (length == 0 || length > MAX_LENGTH || startsWithReserved(name) || isDotSegment(name)) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDotSegment(CharSequence name) {
        int length = name.length();
        return length <= 2 && name.charAt(0) == '.' && name.charAt(length - 1) == '.';
    }

    private static boolean startsWithReserved(CharSequence name) {
        if (name.length() < RESERVED.length()) {
            return false;
        }
        for (int i = 0; i < RESERVED.length(); i++) {
            if (name.charAt(i) != RESERVED.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
