package io.pushgate.broker.redis;

import io.pushgate.model.TopicVersion;
import io.pushgate.model.Epochs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The pub/sub message of {@code pushgate_publish}:
 * {@code pushgate1 <topic> <epoch> <version> <micros>\n<text>}. Parsed from bytes on a Lettuce
 * thread: no String decoding of the text. Stateless.
 */
final class RedisMessages {
    private static final byte[] MAGIC = "pushgate1 ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 200;

    private RedisMessages() {
    }

    /** The version in {@code message}, or {@code null} when it is not a pushgate message. */
    static TopicVersion parse(byte[] message) {
        if (message.length < MAGIC.length || !Arrays.equals(message, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return null;
        }
        int newline = -1;
        for (int i = MAGIC.length; i < Math.min(message.length, MAX_HEADER); i++) {
            if (message[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            return null;
        }
        String[] fields = new String(message, MAGIC.length, newline - MAGIC.length, StandardCharsets.US_ASCII).split(" ");
        if (fields.length != 4 || !Epochs.isEpoch(fields[1])) {
            return null;
        }
        String topic = fields[0];
        if (!io.pushgate.model.TopicNames.isValid(topic)) {
            return null;
        }
        long version = digits(fields[2]);
        long micros = digits(fields[3]);
        if (version < 1 || micros < 0) {
            return null;
        }
        byte[] text = Arrays.copyOfRange(message, newline + 1, message.length);
        return new TopicVersion(topic, fields[1], version, micros, text);
    }

    /** A non-negative decimal, or -1. */
    static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
