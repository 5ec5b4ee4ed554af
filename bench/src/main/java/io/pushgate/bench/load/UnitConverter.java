package io.pushgate.bench.load;

import picocli.CommandLine;

/**
 * Reads a flag's value as the gateway's flags write it ({@link io.pushgate.config.Units}); a value
 * it cannot read is a usage error naming the flag, not a crash.
 */
abstract class UnitConverter<T> implements CommandLine.ITypeConverter<T> {
    @Override
    public final T convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    abstract T parse(String value);
}
