package io.pushgate.bench.load;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerProbeTest {

    @Test
    void heapRangeOfG1() {
        String info = """
                15328:
                 garbage-first heap   total 389120K, used 9828K [0x00000000c0000000, 0x0000000100000000)
                  region size 1024K, 9 young (9216K), 3 survivors (3072K)
                 Metaspace       used 10480K, committed 10688K, reserved 1114112K
                  class space    used 1308K, committed 1408K, reserved 1048576K
                """;
        assertArrayEquals(new long[] {0xc0000000L, 0x100000000L}, ServerProbe.heapRange(info));
    }

    @Test
    void heapRangeOfParallelGcSpansItsGenerations() {
        String info = """
                 PSYoungGen      total 76288K, used 3932K [0x000000076ab00000, 0x0000000770000000, 0x00000007c0000000)
                  eden space 65536K, 6% used [0x000000076ab00000,0x000000076aed7240,0x000000076eb00000)
                 ParOldGen       total 175104K, used 0K [0x00000006c0000000, 0x00000006cab00000, 0x000000076ab00000)
                 Metaspace       used 3266K, committed 3328K, reserved 1056768K
                """;
        assertArrayEquals(new long[] {0x6c0000000L, 0x7c0000000L}, ServerProbe.heapRange(info));
    }

    @Test
    void noHeapRangeIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> ServerProbe.heapRange("12345:\nno such command\n"));
    }

    @Test
    void refusesAProcessThatIsNotAJvm() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> new ServerProbe(sleep.pid(), java.time.Duration.ofMinutes(1)));
        } finally {
            sleep.destroyForcibly().waitFor();
        }
    }

    @Test
    void readsItsOwnProcess() throws Exception {
        ServerProbe self = new ServerProbe(ProcessHandle.current().pid(), java.time.Duration.ofMinutes(1));
        assertTrue(self.rssBytes() > 0);
        assertTrue(ServerProbe.cpuTicks("self") >= 0);
        assertTrue(ServerProbe.openFilesLimit("self") > 0);
    }

    @Test
    void countsThreadsCpuInNanosecondsByKind() throws Exception {
        String self = Long.toString(ProcessHandle.current().pid());
        String kind = ServerProbe.threadKind(Files.readString(Path.of("/proc/thread-self/stat")));
        Map<String, Long> before = ServerProbe.cpuNanosByThreadKind(self);
        // 50 ms of this thread's CPU time, however long a busy machine takes to give it.
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long until = threads.getCurrentThreadCpuTime() + 50_000_000L;
        while (threads.getCurrentThreadCpuTime() < until) {
            Thread.onSpinWait();
        }
        long counted = ServerProbe.cpuNanosByThreadKind(self).get(kind) - before.getOrDefault(kind, 0L);
        assertTrue(counted >= 45_000_000L, "50 ms of CPU counted as " + counted + " ns for " + kind);
    }

    @Test
    void threadKindDropsTheDigitsOfItsName() {
        String stat = "4242 (GC Thread#1) S 1 2 3 0 -1 4194368 10 0 0 0 17 5 0 0 20 0 30 0 100 0 0";
        assertEquals("GC Thread#", ServerProbe.threadKind(stat));
        assertEquals(22, ServerProbe.statTicks(stat));
        assertEquals("epollEventLoopGroup--", ServerProbe.threadKind("7 (epollEventLoopGroup-2-1) R 1 2 3 0 -1 0 0 0 0 0 1 1"));
    }
}
