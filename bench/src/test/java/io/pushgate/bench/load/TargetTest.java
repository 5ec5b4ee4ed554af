package io.pushgate.bench.load;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TargetTest {

    @Test
    void refusesHostsOutsideLoopback() {
        for (String url : List.of("http://10.0.0.1:8080", "http://192.168.1.10:80", "http://8.8.8.8",
                "http://[2001:db8::1]:8080", "http://0.0.0.0:8080")) {
            assertThrows(IllegalArgumentException.class, () -> Target.parse(url), url);
        }
    }

    @Test
    void acceptsTheLoopbackRange() {
        assertEquals(8080, Target.parse("http://127.0.0.1:8080").port());
        assertEquals("127.9.8.7:80", Target.parse("http://127.9.8.7").hostHeader());
        assertEquals("[0:0:0:0:0:0:0:1]:9000", Target.parse("http://[::1]:9000").hostHeader());
    }

    @Test
    void refusesOtherSchemes() {
        assertThrows(IllegalArgumentException.class, () -> Target.parse("https://127.0.0.1:8443"));
        assertThrows(IllegalArgumentException.class, () -> Target.parse("127.0.0.1:8080"));
    }

    @Test
    void spreadsStreamsOverSourceAddressesFrom127_0_0_2() {
        Target target = Target.parse("http://127.0.0.1:8080");
        assertEquals(List.of("127.0.0.2"), addresses(target.sources(10_000, 20_000)));
        assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), addresses(target.sources(40_001, 20_000)));
    }

    @Test
    void ipv6HasOnlyOneSourceAddress() {
        Target target = Target.parse("http://[::1]:8080");
        assertEquals(1, target.sources(20_000, 20_000).size());
        assertThrows(IllegalArgumentException.class, () -> target.sources(20_001, 20_000));
    }

    private static List<String> addresses(List<InetAddress> sources) {
        return sources.stream().map(InetAddress::getHostAddress).toList();
    }
}
