package io.pushgate.bench.load;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SocketMemoryTest {
    // ss -tmnHO for server port 8080: a listener, two stalled streams (client ports 40001 and 40002,
    // one of them closed by the server and still holding its queue), one reading stream, and the
    // stalled clients' own sockets.
    private static final String SS = String.join("\n",
            "LISTEN     0      4096               127.0.0.1:8080           0.0.0.0:*     skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0)",
            "ESTAB      0      98304              127.0.0.1:8080         127.0.0.2:40001 skmem:(r0,rb131072,t0,tb131072,f0,w133120,o0,bl0,d0)",
            "FIN-WAIT-1 0      65536     [::ffff:127.0.0.1]:8080  [::ffff:127.0.0.2]:40002 skmem:(r0,rb131072,t0,tb131072,f0,w90000,o0,bl0,d0)",
            "ESTAB      0      1000               127.0.0.1:8080         127.0.0.2:40003 skmem:(r0,rb131072,t0,tb131072,f0,w4096,o0,bl0,d0)",
            "ESTAB      8000   0                  127.0.0.2:40001        127.0.0.1:8080  skmem:(r9000,rb8192,t0,tb16384,f0,w0,o0,bl0,d0)",
            "ESTAB      7000   0                  127.0.0.2:40003        127.0.0.1:8080  skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0)",
            "");

    @Test
    void stalledConnectionsAreToldApartByTheirClientPortInEveryState() {
        SocketMemory.Sample s = SocketMemory.parse(SS, 8080, Set.of(40001, 40002), 42);
        assertEquals(2, s.stalledSockets());
        assertEquals(98304 + 65536, s.stalledSendQueue());
        assertEquals(133120 + 90000, s.stalledWriteMemory());
        assertEquals(2 * 131072, s.stalledSendBuffer());
        assertEquals(8000, s.stalledClientReceiveQueue());
        assertEquals(1, s.normalSockets());
        assertEquals(1000, s.normalSendQueue());
        assertEquals(4096, s.normalWriteMemory());
        assertEquals(42, s.hostTcpMemPages());
    }

    @Test
    void withoutStalledStreamsEveryServerConnectionIsNormal() {
        SocketMemory.Sample s = SocketMemory.parse(SS, 8080, Set.of(), -1);
        assertEquals(0, s.stalledSockets());
        assertEquals(3, s.normalSockets());
        assertEquals(0, s.stalledClientReceiveQueue());
    }
}
