package io.pushgate.model;

/** Topic names: {@code [A-Za-z0-9._:-]{1,128}} (README, "The wire format"). */
public final class TopicNames {
    public static final int MAX_LENGTH = 128;

    private TopicNames() {
    }

    public static boolean isValid(CharSequence name) {
        int length = name.length();
        if (length == 0 || length > MAX_LENGTH) {
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
}
