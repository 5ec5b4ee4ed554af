package io.pushgate.http;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;

/**
 * The routing table of the public port: which {@link Resource} answers a path, and the path's
 * parameter (a topic name). Immutable; any thread.
 *
 * <pre>
 * /  /index.html              the demo page
 * /pushgate.js                the browser helper (subscribe, token refresh, re-creation)
 * /events?topic=a&amp;feed=b      a stream of several topics and feeds (named events)
 * /topics/{t}/events          a stream of one topic
 * /topics/{t}                 the latest text (GET, HEAD), a publish (PUT), a delete (DELETE)
 * /feeds/{f}/events           a stream of one feed
 * /feeds/{f}                  its kept events as JSON (GET, HEAD), an append (POST)
 * </pre>
 * Paths are matched as sent, before percent-decoding: only the topic or feed segment is decoded.
 */
final class Routes {

    /** A route: a path with an optional parameter between {@code prefix} and {@code suffix}. */
    private record Route(String prefix, String suffix, boolean hasParam, Resource resource) {
        /** The parameter of {@code path} (or "" for a route without one), or null when the route does not match. */
        String match(String path) {
            if (!hasParam) {
                return path.equals(prefix) ? "" : null;
            }
            if (!path.startsWith(prefix) || !path.endsWith(suffix) || path.length() <= prefix.length() + suffix.length()) {
                return null;
            }
            String param = path.substring(prefix.length(), path.length() - suffix.length());
            // A parameter at the end of a path is one segment; before a suffix the resource validates it.
            return suffix.isEmpty() && param.indexOf('/') >= 0 ? null : param;
        }
    }

    /** A matched route: the resource and its parameter ({@code null} when the route has none). */
    record Match(Resource resource, String param) {
    }

    private final List<Route> routes;

    Routes(Resource demo, Resource script, Resource topicStream, Resource namedStream, Resource topic,
           Resource feedStream, Resource feed) {
        this.routes = List.of(
                new Route("/", "", false, demo),
                new Route("/index.html", "", false, demo),
                new Route("/pushgate.js", "", false, script),
                new Route("/events", "", false, namedStream),
                new Route("/topics/", "/events", true, topicStream),
                new Route("/topics/", "", true, topic),
                new Route("/feeds/", "/events", true, feedStream),
                new Route("/feeds/", "", true, feed));
    }

    /**
     * The route of {@code rawPath}, the path as sent (still percent-encoded), or {@code null} (404).
     * The path is matched before it is decoded and only the parameter is decoded after, so an
     * encoded slash ({@code %2F}) stays inside its segment: {@code /topics/a%2Fevents} is the
     * topic {@code a/events} (not a valid name), never the stream of {@code a}.
     *
     * @throws IllegalArgumentException when the parameter holds a malformed percent-encoding
     */
    Match match(String rawPath) {
        for (Route route : routes) {
            String param = route.match(rawPath);
            if (param != null) {
                // '+' decodes to a space here as in a query; neither is a topic name's character.
                return new Match(route.resource(), route.hasParam() ? QueryStringDecoder.decodeComponent(param) : null);
            }
        }
        return null;
    }
}
