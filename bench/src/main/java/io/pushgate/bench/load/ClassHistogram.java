package io.pushgate.bench.load;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live objects of a JVM by class, as {@code jcmd <pid> GC.class_histogram} prints them (after
 * the full GC it runs first), with its {@code Total} line.
 *
 * <p>Immutable; any thread.
 */
record ClassHistogram(Map<String, Row> classes, long totalInstances, long totalBytes) {
    //    1:         12345        1234567  [B (java.base@17.0.15)
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
    // Total        123456       12345678
    private static final Pattern TOTAL = Pattern.compile("^\\s*Total\\s+(\\d+)\\s+(\\d+)\\s*$");

    /** Instances and bytes of one class (or their difference between two histograms). */
    record Row(String className, long instances, long bytes) {
    }

    static ClassHistogram parse(String text) {
        Map<String, Row> classes = new HashMap<>();
        long instances = -1;
        long bytes = -1;
        for (String line : text.split("\n")) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                String name = row.group(3);
                Row r = new Row(name, Long.parseLong(row.group(1)), Long.parseLong(row.group(2)));
                // The same name can appear twice (two class loaders): add them up.
                classes.merge(name, r, (a, b) -> new Row(name, a.instances + b.instances, a.bytes + b.bytes));
                continue;
            }
            Matcher total = TOTAL.matcher(line);
            if (total.matches()) {
                instances = Long.parseLong(total.group(1));
                bytes = Long.parseLong(total.group(2));
            }
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("no 'Total' line in the class histogram:\n" + text);
        }
        return new ClassHistogram(Map.copyOf(classes), instances, bytes);
    }

    /** Each class's change from {@code before} to this one, largest growth in bytes first. */
    List<Row> minus(ClassHistogram before) {
        Set<String> names = new HashSet<>(classes.keySet());
        names.addAll(before.classes.keySet());
        List<Row> diff = new ArrayList<>();
        for (String name : names) {
            Row now = classes.getOrDefault(name, new Row(name, 0, 0));
            Row then = before.classes.getOrDefault(name, new Row(name, 0, 0));
            if (now.bytes != then.bytes || now.instances != then.instances) {
                diff.add(new Row(name, now.instances - then.instances, now.bytes - then.bytes));
            }
        }
        diff.sort(Comparator.comparingLong(Row::bytes).reversed().thenComparing(Row::className));
        return diff;
    }
}
