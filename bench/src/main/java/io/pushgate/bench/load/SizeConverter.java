package io.pushgate.bench.load;

import io.pushgate.config.Units;

/** Reads sizes as the gateway's flags write them: {@code 4096}, {@code 64KiB}, {@code 1MiB}. */
final class SizeConverter extends UnitConverter<Integer> {
    @Override
    Integer parse(String value) {
        return Units.size(value);
    }
}
