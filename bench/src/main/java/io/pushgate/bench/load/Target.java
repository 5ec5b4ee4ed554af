package io.pushgate.bench.load;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where load goes: a gateway on this machine's loopback, and nothing else. A URL whose host does
 * not resolve to 127.0.0.0/8 or ::1 is refused before any socket is opened.
 *
 * <p>Immutable; any thread.
 */
record Target(String url, InetAddress address, int port) {
    /** 127.0.0.2 is the first source address: 127.0.0.1 stays free for the server and other tools. */
    private static final int FIRST_SOURCE = 2;
    private static final int LAST_SOURCE = 254;

    /** Parses an {@code http://host:port} URL and checks that its host is loopback. */
    static Target parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + url + "'");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("expected http://HOST:PORT, got '" + url + "'");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
        // Load is only ever sent to this machine: 127.0.0.0/8 or ::1.
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing " + address.getHostAddress()
                    + ": load goes only to loopback (127.0.0.0/8 or ::1)");
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        return new Target(url, address, port);
    }

    InetSocketAddress remote() {
        return new InetSocketAddress(address, port);
    }

    /** The value of the {@code Host} header. */
    String hostHeader() {
        String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The local addresses {@code streams} connections are spread over, at most
     * {@code portsPerSource} each (one ephemeral port per connection and source address):
     * 127.0.0.2, 127.0.0.3, … for IPv4; only ::1 for IPv6.
     */
    List<InetAddress> sources(int streams, int portsPerSource) {
        int needed = Math.max(1, (streams + portsPerSource - 1) / portsPerSource);
        if (address instanceof Inet6Address) {
            if (needed > 1) {
                throw new IllegalArgumentException("over IPv6 only ::1 is a source address: at most "
                        + portsPerSource + " streams");
            }
            return List.of(address);
        }
        if (needed > LAST_SOURCE - FIRST_SOURCE + 1) {
            throw new IllegalArgumentException(streams + " streams need more than the source addresses 127.0.0.2-254");
        }
        List<InetAddress> sources = new ArrayList<>(needed);
        for (int i = 0; i < needed; i++) {
            try {
                sources.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (FIRST_SOURCE + i)}));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return sources;
    }
}
