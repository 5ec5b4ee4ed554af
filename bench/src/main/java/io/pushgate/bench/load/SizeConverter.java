package io.pushgate.bench.load;

import io.pushgate.config.Units;
import picocli.CommandLine;

/** Reads sizes as the gateway's flags write them: {@code 4096}, {@code 64KiB}, {@code 1MiB}. */
final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        try {
            return Units.size(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
