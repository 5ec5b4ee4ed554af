package io.pushgate.node;

import io.pushgate.testing.NodeProcess;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An idle node's event loops wake for their own deadlines only (bench/RESULTS.md, "An idle node's
 * own wake-ups"): with the defaults a worker's tick every 2.5 s, the accepting loop's report once
 * a minute and the admin loop not at all, where Netty would wake each loop with nothing scheduled
 * once a second. Counted as each thread's voluntary context switches in /proc over a window.
 */
class IdleWakeUpsTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);

    @BeforeEach
    void linux() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux");
    }

    @Test
    void anIdleNodesLoopsWakeOnlyForTheirOwnDeadlines() throws Exception {
        try (NodeProcess node = NodeProcess.start("--bind", "127.0.0.1", "--port", "0", "--admin-port", "0",
                "--workers", "2")) {
            List<WakeUps> loops = idle(node);
            assertEquals(List.of("pushgate-accept", "pushgate-admin", "pushgate-loop", "pushgate-loop"),
                    loops.stream().map(WakeUps::role).sorted().toList(), "the node's loops, found by their names");
            // A tick every 2.5 s is 4 in 10 s, the accepting loop's minute report at most 1; a
            // loop Netty woke every second would have 10, a broker watch every 3 s 3.
            assertAtMost(loops, Map.of("pushgate-loop", 6L, "pushgate-accept", 1L, "pushgate-admin", 1L), node);
        }
    }

    /** Each loop's wake-ups over {@link #WINDOW} of idling, once the node listens. */
    private static List<WakeUps> idle(NodeProcess node) throws IOException {
        node.awaitListening();
        Map<Long, Loop> before = loops(node.pid());
        await().during(WINDOW).atMost(WINDOW.plusSeconds(5)).until(node::alive);
        Map<Long, Loop> after = loops(node.pid());
        List<WakeUps> wakeUps = new ArrayList<>();
        for (Loop end : after.values()) {
            Loop start = before.get(end.tid);
            wakeUps.add(new WakeUps(end, end.switches - (start == null ? 0 : start.switches)));
        }
        return wakeUps;
    }

    private static void assertAtMost(List<WakeUps> loops, Map<String, Long> most, NodeProcess node) {
        boolean tooOften = loops.stream().anyMatch(w -> w.count > most.get(w.role()));
        assertFalse(tooOften, "in " + WINDOW.toSeconds() + " s of idling, at most " + most + ":" + describe(loops)
                + "\n" + node.lines());
    }

    private static String describe(List<WakeUps> loops) {
        StringBuilder text = new StringBuilder();
        for (WakeUps w : loops) {
            text.append(String.format("%n  %s (%d) woke %d times", w.loop.name, w.loop.tid, w.count));
        }
        return text.toString();
    }

    /** The node's event-loop threads by thread id. */
    private static Map<Long, Loop> loops(long pid) throws IOException {
        Map<Long, Loop> loops = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String name;
                List<String> status;
                try {
                    name = Files.readString(task.resolve("comm")).strip();
                    status = Files.readAllLines(task.resolve("status"));
                } catch (IOException gone) {
                    continue; // a thread that ended meanwhile
                }
                if (!name.startsWith("pushgate-")) {
                    continue;
                }
                long switches = status.stream().filter(line -> line.startsWith("voluntary_ctxt_switches:"))
                        .mapToLong(line -> Long.parseLong(line.substring(line.indexOf(':') + 1).strip()))
                        .findFirst().orElseThrow();
                long tid = Long.parseLong(task.getFileName().toString());
                loops.put(tid, new Loop(tid, name, switches));
            }
        }
        return loops;
    }

    private record Loop(long tid, String name, long switches) {
    }

    private record WakeUps(Loop loop, long count) {
        /** The name without the numbers Netty's thread factory appends (a comm is cut at 15 characters). */
        String role() {
            return loop.name.replaceAll("(-\\d*)+$", "");
        }
    }
}
