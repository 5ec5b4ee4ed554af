package io.pushgate.auth;

import io.pushgate.model.TopicNames;

/**
 * One entry of a grant or of {@code --public-topics}: a topic name, a prefix ending in {@code *}
 * ({@code user.42.*}), or {@code *} (every topic). Immutable; any thread.
 */
public record TopicPattern(String prefix, boolean wildcard) {

    /** Parses an entry; throws {@link IllegalArgumentException} with a reason when it is none of the three forms. */
    public static TopicPattern parse(String entry) {
        if (entry.equals("*")) {
            return new TopicPattern("", true);
        }
        boolean wildcard = entry.endsWith("*");
        String name = wildcard ? entry.substring(0, entry.length() - 1) : entry;
        if (!TopicNames.isValid(name)) {
            throw new IllegalArgumentException("not a topic name, a prefix ending in *, or *: '" + entry + "'");
        }
        return new TopicPattern(name, wildcard);
    }

    public boolean matches(String topic) {
        return wildcard ? topic.startsWith(prefix) : topic.equals(prefix);
    }

    @Override
    public String toString() {
        return wildcard ? prefix + "*" : prefix;
    }
}
