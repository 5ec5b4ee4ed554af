package io.pushgate.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a token allows: the topics it may read (a stream, {@code GET /topics/{t}}) and publish to,
 * and whether it may revoke subjects on the admin port, from its claim
 * {@code "pushgate": {"subscribe": [...], "publish": [...], "revoke": true}}. A missing claim, list
 * or flag grants nothing. Immutable; any thread.
 */
public record Grants(List<TopicPattern> subscribe, List<TopicPattern> publish, boolean revoke) {
    /** The claim that carries the grants. */
    public static final String CLAIM = "pushgate";
    public static final Grants NONE = new Grants(List.of(), List.of(), false);

    public Grants {
        subscribe = List.copyOf(subscribe);
        publish = List.copyOf(publish);
    }

    /**
     * The grants of a decoded claim (a JSON object as a map); throws
     * {@link IllegalArgumentException} with a reason when it has the wrong shape.
     */
    public static Grants fromClaim(Object claim) {
        if (claim == null) {
            return NONE;
        }
        if (!(claim instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("claim '" + CLAIM + "' is not an object");
        }
        Object revoke = map.get("revoke");
        if (revoke != null && !(revoke instanceof Boolean)) {
            throw new IllegalArgumentException("'" + CLAIM + ".revoke' is not true or false");
        }
        return new Grants(patterns(map.get("subscribe"), "subscribe"), patterns(map.get("publish"), "publish"),
                Boolean.TRUE.equals(revoke));
    }

    private static List<TopicPattern> patterns(Object list, String name) {
        if (list == null) {
            return List.of();
        }
        if (!(list instanceof List<?> entries)) {
            throw new IllegalArgumentException("'" + CLAIM + "." + name + "' is not a list");
        }
        List<TopicPattern> out = new ArrayList<>(entries.size());
        for (Object entry : entries) {
            if (!(entry instanceof String text)) {
                throw new IllegalArgumentException("'" + CLAIM + "." + name + "' holds a non-string entry");
            }
            out.add(TopicPattern.parse(text));
        }
        return out;
    }

    public boolean maySubscribe(String topic) {
        return anyMatches(subscribe, topic);
    }

    public boolean mayPublish(String topic) {
        return anyMatches(publish, topic);
    }

    static boolean anyMatches(List<TopicPattern> patterns, String topic) {
        for (TopicPattern pattern : patterns) {
            if (pattern.matches(topic)) {
                return true;
            }
        }
        return false;
    }
}
