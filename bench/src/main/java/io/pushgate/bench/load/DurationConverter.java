package io.pushgate.bench.load;

import io.pushgate.config.Units;
import picocli.CommandLine;

import java.time.Duration;

/** Reads durations as the gateway's flags write them: {@code 500ms}, {@code 10s}, {@code 2m}, or seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Units.duration(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
