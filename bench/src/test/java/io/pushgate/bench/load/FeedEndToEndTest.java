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

/**
 * The feed commands briefly against a gateway in this JVM: every stream must see every event of
 * its feed once, in order, across forced reconnects, and streams that come back behind must catch
 * up the same way.
 */
class FeedEndToEndTest {
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

    @Test
    void everyStreamSeesEveryEventOnceInOrderAcrossForcedReconnects() throws Exception {
        FeedReport report = CommandLine.populateCommand(new FeedCommand(), "--url", url(), "--streams", "60",
                "--feeds", "3", "--rate", "100", "--reconnects", "20", "--duration", "4s", "--drain", "10s").run();

        assertEquals(60, report.streamsOpen(), report::toText);
        // How many depends on the machine (each cut waits for its reopen); a few are enough.
        assertTrue(report.cut() >= 10, "streams were cut and reopened: " + report.toText());
        assertTrue(report.appended() > 0 && report.deliveries() > 0, report::toText);
        assertEveryEventOnce(report);
    }

    @Test
    void everyStreamOfSeveralFeedsSeesEveryEventOfEachOnceInOrderAcrossForcedReconnects() throws Exception {
        FeedReport report = CommandLine.populateCommand(new FeedCommand(), "--url", url(), "--streams", "40",
                "--feeds", "4", "--feeds-per-stream", "3", "--rate", "100", "--reconnects", "20", "--duration", "4s",
                "--drain", "10s").run();

        assertEquals(40, report.streamsOpen(), report::toText);
        assertTrue(report.cut() >= 10, "streams were cut and reopened: " + report.toText());
        assertEveryEventOnce(report);
    }

    @Test
    void streamsThatComeBackBehindCatchUpWithEveryEventOnce() throws Exception {
        FeedReplayCommand.Result result = CommandLine.populateCommand(new FeedReplayCommand(), "--url", url(),
                "--streams", "100", "--events", "200", "--feeds", "2").run();

        assertEquals(100, result.opened(), result::toText);
        assertEquals(0, result.behind(), result::toText);
        assertTrue(result.tally().clean(), result::toText);
        assertTrue(result.clean(), result::toText);
    }

    private static void assertEveryEventOnce(FeedReport report) {
        assertEquals(0, report.tally().lost(), report::toText);
        assertEquals(0, report.tally().duplicated(), report::toText);
        assertEquals(0, report.tally().outOfOrder(), report::toText);
        assertEquals(0, report.tally().resets(), report::toText);
        assertTrue(report.clean(), report::toText);
    }

    private static String url() {
        return "http://127.0.0.1:" + server.port();
    }
}
