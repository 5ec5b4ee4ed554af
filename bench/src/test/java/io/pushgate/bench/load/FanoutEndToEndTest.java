package io.pushgate.bench.load;

import io.pushgate.broker.InMemoryBroker;
import io.pushgate.config.NodeConfig;
import io.pushgate.node.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short fan-out against a gateway in this JVM: every stream must see every version once, in order. */
class FanoutEndToEndTest {
    private static Node server;

    @BeforeAll
    static void startGateway() throws InterruptedException {
        server = Node.start(NodeConfig.parse("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--accept-rate", "0"), new InMemoryBroker());
    }

    @AfterAll
    static void stopGateway() {
        server.close().join();
    }

    private static FanoutReport fanout(String... args) throws Exception {
        return CommandLine.populateCommand(new FanoutCommand(), args).run();
    }

    @Test
    void fiveHundredStreamsSeeEveryVersionOnceInOrder() throws Exception {
        FanoutReport report = fanout("--url", "http://127.0.0.1:" + server.port(), "--streams", "500",
                "--topics", "5", "--rate", "100", "--warmup", "1s", "--duration", "4s", "--drain", "5s",
                "--server-pid", Long.toString(ProcessHandle.current().pid()));
        assertEquals(500, report.streamsOpen(), report::toText);
        assertEquals(0, report.lost(), report::toText);
        assertEquals(0, report.duplicated(), report::toText);
        assertEquals(0, report.outOfOrder(), report::toText);
        assertEquals(0, report.malformed(), report::toText);
        // Correctness only: how fast is for the benchmarks (bench/RESULTS.md), not for a test on a
        // shared machine (with paranoid leak detection, this JVM's rate varies several-fold).
        assertTrue(report.deliveries() > 0, report::toText);
        assertTrue(report.clean(), report::toText);
    }
}
