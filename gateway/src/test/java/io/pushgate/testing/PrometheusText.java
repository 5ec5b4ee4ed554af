package io.pushgate.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A parser of the Prometheus text exposition format (0.0.4) and of OpenMetrics text 1.0, enough for
 * tests: samples with their name, labels (escapes undone) and value; comment lines are skipped.
 */
public final class PrometheusText {
    /** One sample line: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(sample(line));
        }
        return new PrometheusText(samples);
    }

    private static Sample sample(String line) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && line.charAt(at) != ' ') {
            at++;
        }
        String name = line.substring(0, at);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name in: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                int eq = line.indexOf('=', at);
                String key = line.substring(at, eq).trim();
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted in: " + line);
                }
                StringBuilder value = new StringBuilder();
                int i = eq + 2;
                for (; line.charAt(i) != '"'; i++) {
                    char c = line.charAt(i);
                    if (c == '\\') {
                        char next = line.charAt(++i);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(key, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + key + " twice in: " + line);
                }
                at = i + 1;
                if (line.charAt(at) == ',') {
                    at++;
                }
            }
            at++;
        }
        String[] rest = line.substring(at).trim().split(" ");
        return new Sample(name, labels, value(rest[0]));
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The names of every sample. */
    public Set<String> names() {
        return samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The samples named {@code name} whose labels include {@code labels} (key, value, key, value…). */
    public List<Sample> find(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name.equals(name) && hasLabels(s, labels)) {
                found.add(s);
            }
        }
        return found;
    }

    /** The value of the one sample named {@code name} with {@code labels}; fails unless exactly one matches. */
    public double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + name + " " + List.of(labels) + ": " + found);
        }
        return found.get(0).value;
    }

    private static boolean hasLabels(Sample s, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}
