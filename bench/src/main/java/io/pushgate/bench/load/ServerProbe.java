package io.pushgate.bench.load;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a server process on this machine from outside: its live heap by class through
 * {@code jcmd GC.class_histogram} (which runs a full GC first, so only reachable objects count),
 * its resident set and CPU time from {@code /proc/<pid>}.
 *
 * <p>Thread rules: any single thread.
 */
final class ServerProbe {
    private static final Logger log = LoggerFactory.getLogger(ServerProbe.class);

    /** An address range of {@code jcmd GC.heap_info}, e.g. {@code [0x00000000c0000000, 0x0000000100000000)}. */
    private static final Pattern HEAP_RANGE = Pattern.compile("\\[(0x[0-9a-f]+(?:, 0x[0-9a-f]+)+)\\)");

    /** The first line of a mapping in smaps: {@code c0000000-d7a00000 rw-p 00000000 00:00 0 …}. */
    private static final Pattern MAPPING = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) ");

    // "Total: reserved=…KB +2KB, committed=…KB +34KB" and "-   Java Heap (reserved=…KB, committed=…KB +2048KB)"
    private static final Pattern NMT_CATEGORY = Pattern.compile(
            "^(?:Total: |-\\s+(.+?) \\()reserved=\\d+KB(?: [+-]\\d+KB)?, committed=\\d+KB(?: ([+-]\\d+)KB)?");

    private final long pid;
    private final Duration jcmdTimeout;
    private final String jcmd;
    private long[] heapRange;

    /** The resident set of the server and the part of it inside the Java heap's address range. */
    record Resident(long total, long javaHeap) {
        long outsideHeap() {
            return total - javaHeap;
        }
    }

    ServerProbe(long pid, Duration jcmdTimeout) {
        this.pid = pid;
        this.jcmdTimeout = jcmdTimeout;
        Path beside = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        this.jcmd = Files.isExecutable(beside) ? beside.toString() : "jcmd";
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalArgumentException("no process " + pid);
        }
        // jcmd starts a JVM's attach listener with SIGQUIT, which would end any other process.
        if (!isJvm(pid)) {
            throw new IllegalArgumentException("process " + pid + " is not a HotSpot JVM (no libjvm.so mapped)");
        }
    }

    long pid() {
        return pid;
    }

    private static boolean isJvm(long pid) {
        try (var lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
            return lines.anyMatch(line -> line.endsWith("/libjvm.so"));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /**
     * Attaches once with a harmless command: the server's attach listener thread starts on the
     * first attach, and should be there before the baseline as it is after.
     */
    String vmVersion() throws IOException, InterruptedException {
        return jcmd("VM.version").strip();
    }

    /** Full GC, then the live objects by class. */
    ClassHistogram liveHistogram() throws IOException, InterruptedException {
        return ClassHistogram.parse(jcmd("GC.class_histogram"));
    }

    /**
     * VmRSS, and the resident bytes of the mappings inside the Java heap's reserved range (from
     * {@code /proc/<pid>/smaps}): the heap's share is pages the collector once touched, the rest
     * is native memory (direct buffers, thread stacks, code, GC structures, malloc).
     */
    Resident resident() throws IOException, InterruptedException {
        if (heapRange == null) {
            heapRange = heapRange(jcmd("GC.heap_info"));
        }
        long total = rssBytes();
        long heap = 0;
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            Matcher mapping = MAPPING.matcher(line);
            if (mapping.lookingAt()) {
                long start = Long.parseUnsignedLong(mapping.group(1), 16);
                long end = Long.parseUnsignedLong(mapping.group(2), 16);
                inside = start >= heapRange[0] && end <= heapRange[1];
            } else if (inside && line.startsWith("Rss:")) {
                heap += Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
            }
        }
        return new Resident(total, heap);
    }

    /** The lowest and highest address of the heap's ranges in {@code GC.heap_info} (not Metaspace). */
    static long[] heapRange(String heapInfo) {
        long low = Long.MAX_VALUE;
        long high = 0;
        for (String line : heapInfo.split("\n")) {
            if (line.contains("Metaspace") || line.contains("class space")) {
                continue;
            }
            Matcher m = HEAP_RANGE.matcher(line);
            while (m.find()) {
                for (String address : m.group(1).split(", ")) {
                    long a = Long.parseUnsignedLong(address.substring(2), 16);
                    low = Math.min(low, a);
                    high = Math.max(high, a);
                }
            }
        }
        if (high <= low) {
            throw new IllegalArgumentException("no heap address range in GC.heap_info:\n" + heapInfo);
        }
        return new long[] {low, high};
    }

    /**
     * Starts a native-memory baseline; the server must run with
     * {@code -XX:NativeMemoryTracking=summary}.
     */
    void nativeMemoryBaseline() throws IOException, InterruptedException {
        jcmd("VM.native_memory", "baseline");
    }

    /** Committed native memory by JVM category, change since {@link #nativeMemoryBaseline}, in bytes. */
    Map<String, Long> nativeMemoryDiff() throws IOException, InterruptedException {
        Map<String, Long> committed = new LinkedHashMap<>();
        for (String line : jcmd("VM.native_memory", "summary.diff").split("\n")) {
            Matcher m = NMT_CATEGORY.matcher(line);
            if (m.find()) {
                String name = m.group(1) != null ? m.group(1).trim() : "Total";
                committed.put(name, m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 1024);
            }
        }
        return committed;
    }

    /** VmRSS of {@code /proc/<pid>/status}, in bytes. */
    long rssBytes() throws IOException {
        return rssBytes(Long.toString(pid));
    }

    /** VmRSS of any process ({@code "self"} for this one), in bytes; needs no JVM on the other side. */
    static long rssBytes(String pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /** utime + stime of any process ({@code "self"} for this one), in clock ticks. */
    static long cpuTicks(String pid) throws IOException {
        return statTicks(Files.readString(Path.of("/proc", pid, "stat")));
    }

    /**
     * utime + stime of {@code pid}'s threads by kind, in clock ticks: a thread's kind is its name
     * without digits ({@code C2 CompilerThre}, {@code GC Thread#}, …). A thread that ended is no
     * longer counted: take the difference of two calls only over a window in which none ends.
     */
    static Map<String, Long> cpuTicksByThreadKind(String pid) throws IOException {
        Map<String, Long> ticks = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", pid, "task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                ticks.merge(threadKind(stat), statTicks(stat), Long::sum);
            }
        }
        return ticks;
    }

    /**
     * CPU time of {@code pid}'s threads by kind (as {@link #cpuTicksByThreadKind}), in nanoseconds
     * from {@code /proc/<pid>/task/<tid>/schedstat} (the scheduler's own count, not clock ticks:
     * a thread that ran 0.4 % of 60 s is 24 ticks, ±1 of them). Same caveat on threads that end.
     */
    static Map<String, Long> cpuNanosByThreadKind(String pid) throws IOException {
        Map<String, Long> nanos = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", pid, "task"))) {
            for (Path task : tasks) {
                String stat;
                String schedstat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                    schedstat = Files.readString(task.resolve("schedstat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                nanos.merge(threadKind(stat), Long.parseLong(schedstat.trim().split("\\s+")[0]), Long::sum);
            }
        }
        return nanos;
    }

    /**
     * CPU seconds by thread kind between two {@link #cpuTicksByThreadKind} samples, the kinds with at
     * least 10 ms, most first.
     */
    static Map<String, Double> secondsByThreadKind(Map<String, Long> start, Map<String, Long> end) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        end.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (double) (e.getValue() - start.getOrDefault(e.getKey(), 0L)) / clockTicksPerSecond()))
                .filter(e -> e.getValue() >= 0.01)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> seconds.put(e.getKey(), e.getValue()));
        return seconds;
    }

    /** The name of a {@code stat} line's thread without its digits. */
    static String threadKind(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "").strip();
    }

    /** utime + stime of a {@code /proc/…/stat} line. */
    static long statTicks(String stat) {
        // The command name (2nd field) may hold spaces and parentheses: count fields after its ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // Fields 14 and 15 of proc(5); fields[0] here is field 3 (state).
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** The soft limit on open files of {@code pid} ("self" for this process), or -1 if unknown. */
    static long openFilesLimit(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("cannot read the open files limit of {}: {}", pid, e.toString());
        }
        return -1;
    }

    /** Clock ticks per second of /proc times (USER_HZ), 100 where getconf cannot say. */
    static long clockTicksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
            }
            p.destroyForcibly();
        } catch (IOException | NumberFormatException e) {
            log.debug("getconf CLK_TCK failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    private String jcmd(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(jcmd, Long.toString(pid)));
        argv.addAll(List.of(command));
        Path out = Files.createTempFile("pushgate-load-jcmd", ".txt");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(jcmdTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", argv) + " did not finish within " + jcmdTimeout);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): "
                        + text.strip().lines().limit(3).reduce((a, b) -> a + " / " + b).orElse(""));
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
