package io.pushgate.node;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How much work the JVM's JIT compilers have done so far, to tell whether they are still at work:
 * the CPU time of the compiler threads (Linux: {@code /proc/self/task/<tid>/stat} of the threads
 * named {@code C1/C2 CompilerThread…}), which grows while a compilation runs, or else the
 * compilation time the JVM reports, which grows only when one ends (a C2 compilation of a large
 * method takes hundreds of milliseconds, so that figure looks quiet in the middle of one).
 *
 * <p>Thread rules: not thread-safe; one caller.
 */
final class CompilerActivity {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** A thread's name as the kernel keeps it: 15 characters ({@code C2 CompilerThre}). */
    private static final List<String> COMPILER_THREADS = List.of("C1 CompilerThre", "C2 CompilerThre");

    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final boolean threads = Files.isDirectory(TASKS);

    /** Whether there is anything to read at all. */
    boolean supported() {
        return threads || (jit != null && jit.isCompilationTimeMonitoringSupported());
    }

    /**
     * A counter that grows while the compilers work and stands still while they are idle: clock
     * ticks of the compiler threads' CPU time, or milliseconds of compilation time.
     */
    long work() {
        if (threads) {
            try {
                return compilerTicks();
            } catch (IOException | RuntimeException e) {
                // The task list changes under us (a compiler thread ending): the JVM's figure will do.
            }
        }
        return jit == null ? 0 : jit.getTotalCompilationTime();
    }

    /** utime + stime of the threads whose name is a compiler thread's, in clock ticks. */
    private static long compilerTicks() throws IOException {
        long ticks = 0;
        for (String stat : threadStats()) {
            ticks += Math.max(0, ticksIfCompiler(stat));
        }
        return ticks;
    }

    /** How many of this JVM's threads are compiler threads (Linux; 0 elsewhere). */
    static int compilerThreads() throws IOException {
        int n = 0;
        for (String stat : Files.isDirectory(TASKS) ? threadStats() : List.<String>of()) {
            n += ticksIfCompiler(stat) >= 0 ? 1 : 0;
        }
        return n;
    }

    /** The {@code stat} line of each of this process's threads. */
    private static List<String> threadStats() throws IOException {
        List<String> stats = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    stats.add(Files.readString(task.resolve("stat")));
                } catch (IOException gone) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return stats;
    }

    /**
     * The CPU ticks of one {@code /proc/<pid>/task/<tid>/stat} line if its thread is a compiler
     * thread, else -1. The name is in parentheses (and may hold spaces and parentheses); utime and
     * stime are the 12th and 13th fields after it.
     */
    static long ticksIfCompiler(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return -1;
        }
        String name = stat.substring(open + 1, close);
        if (COMPILER_THREADS.stream().noneMatch(name::startsWith)) {
            return -1;
        }
        String[] fields = stat.substring(close + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
