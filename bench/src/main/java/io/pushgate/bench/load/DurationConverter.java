package io.pushgate.bench.load;

import io.pushgate.config.Units;

import java.time.Duration;

/** Reads durations as the gateway's flags write them: {@code 500ms}, {@code 10s}, {@code 2m}, or seconds. */
final class DurationConverter extends UnitConverter<Duration> {
    @Override
    Duration parse(String value) {
        return Units.duration(value);
    }
}
