package io.pushgate.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Refused tokens by reason ({@code missing}, {@code expired}, …), each series from zero. Any thread.
 */
public final class AuthFailures {
    private final Map<String, LongAdder> byReason = new LinkedHashMap<>();

    /** {@code reasons}: every reason there is (an enum's names), as lower-case labels. */
    public AuthFailures(List<String> reasons) {
        for (String reason : reasons) {
            byReason.put(reason.toLowerCase(Locale.ROOT), new LongAdder());
        }
    }

    public void count(String reason) {
        LongAdder adder = byReason.get(reason.toLowerCase(Locale.ROOT));
        if (adder != null) {
            adder.increment();
        }
    }

    /** Tokens refused for {@code reason} so far. */
    public long total(String reason) {
        LongAdder adder = byReason.get(reason.toLowerCase(Locale.ROOT));
        return adder == null ? 0 : adder.sum();
    }

    Map<String, LongAdder> series() {
        return byReason;
    }
}
