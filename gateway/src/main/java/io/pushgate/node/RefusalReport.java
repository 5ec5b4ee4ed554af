package io.pushgate.node;

import io.pushgate.metrics.HttpErrors;
import io.pushgate.metrics.StreamRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * One WARN line per period in which the node refused streams for now (its stream cap, its accept
 * rate), with the counts by reason: each refusal itself is logged at DEBUG only, since a storm
 * refuses thousands a second. Run periodically.
 *
 * <p>Thread rules: one thread (the node's accepting loop).
 */
final class RefusalReport implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(RefusalReport.class);

    private final HttpErrors errors;
    private final String period;
    private final Map<StreamRefusal, Long> seen = new EnumMap<>(StreamRefusal.class);

    RefusalReport(HttpErrors errors, String period) {
        this.errors = errors;
        this.period = period;
        for (StreamRefusal reason : StreamRefusal.values()) {
            seen.put(reason, errors.refusals(reason));
        }
    }

    @Override
    public void run() {
        StringJoiner counts = new StringJoiner(", ");
        long total = 0;
        for (StreamRefusal reason : StreamRefusal.values()) {
            long now = errors.refusals(reason);
            long refused = now - seen.put(reason, now);
            if (refused > 0) {
                counts.add(reason.name().toLowerCase(java.util.Locale.ROOT) + " " + refused);
                total += refused;
            }
        }
        if (total > 0) {
            log.warn("refused {} streams for now in the last {} ({}); they retry later", total, period, counts);
        }
    }
}
