package io.pushgate.node;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the warm-up reads to tell whether the JIT's compilers are still at work. */
class CompilerActivityTest {

    @Test
    void readsTheCpuTicksOfCompilerThreadsOnly() {
        // /proc/<pid>/task/<tid>/stat: pid (name) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
        String c2 = "4711 (C2 CompilerThre) S 1 4700 4700 0 -1 4194624 10 0 0 0 123 45 0 0 20 0 40 0 99 0 0";
        String c1 = "4712 (C1 CompilerThre) R 1 4700 4700 0 -1 4194624 10 0 0 0 7 3 0 0 20 0 40 0 99 0 0";
        String loop = "4713 (epollEventLoop) S 1 4700 4700 0 -1 4194624 10 0 0 0 900 100 0 0 20 0 40 0 99 0 0";
        String odd = "4714 (a) (C2 CompilerThre) S 1 4700 4700 0 -1 4194624 10 0 0 0 900 100 0 0 20 0 40 0 99 0 0";
        assertEquals(168, CompilerActivity.ticksIfCompiler(c2));
        assertEquals(10, CompilerActivity.ticksIfCompiler(c1));
        assertEquals(-1, CompilerActivity.ticksIfCompiler(loop), "an event loop is no compiler");
        assertEquals(-1, CompilerActivity.ticksIfCompiler(odd), "the name is what lies between the parentheses");
        assertEquals(-1, CompilerActivity.ticksIfCompiler("garbage"));
    }

    @Test
    void findsThisJvmsCompilerThreads() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux");
        assumeTrue(!ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-Xint"), "a JIT");
        assertTrue(CompilerActivity.compilerThreads() >= 1, "the names HotSpot gives its compiler threads, as /proc shows them");
        CompilerActivity activity = new CompilerActivity();
        assertTrue(activity.supported());
        long before = activity.work();
        assertTrue(before >= 0 && activity.work() >= before, "a counter that never goes back");
    }
}
