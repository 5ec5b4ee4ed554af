package io.pushgate.loops;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker event loops of a node, numbered 0..n-1 so that per-loop state can live in arrays.
 * Immutable after construction; any thread.
 */
public final class LoopIndex {
    private final List<EventLoop> loops;
    private final Map<EventExecutor, Integer> numbers;

    public LoopIndex(EventLoopGroup group) {
        List<EventLoop> list = new ArrayList<>();
        Map<EventExecutor, Integer> map = new IdentityHashMap<>();
        for (EventExecutor executor : group) {
            map.put(executor, list.size());
            list.add((EventLoop) executor);
        }
        this.loops = Collections.unmodifiableList(list);
        this.numbers = map;
    }

    public int size() {
        return loops.size();
    }

    public EventLoop loop(int number) {
        return loops.get(number);
    }

    public List<EventLoop> loops() {
        return loops;
    }

    /** The number of {@code loop}; it must belong to the indexed group. */
    public int of(EventExecutor loop) {
        Integer number = numbers.get(loop);
        if (number == null) {
            throw new IllegalArgumentException("not a worker loop of this node: " + loop);
        }
        return number;
    }
}
