package io.pushgate.http;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts error responses by status (for metrics and tests). Any thread. */
public final class HttpErrors {
    private final ConcurrentHashMap<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();

    public void count(HttpResponseStatus status) {
        byStatus.computeIfAbsent(status.code(), code -> new LongAdder()).increment();
    }

    public long count(int status) {
        LongAdder adder = byStatus.get(status);
        return adder == null ? 0 : adder.sum();
    }
}
