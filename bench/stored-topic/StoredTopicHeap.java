import io.pushgate.broker.Broker;
import io.pushgate.broker.InMemoryBroker;
import io.pushgate.model.Revocation;
import io.pushgate.model.TopicDeletion;
import io.pushgate.model.TopicVersion;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * Heap per stored topic of the embedded broker: the heap in use after N one-off topics, less the heap
 * before, over N (full GCs before each reading). Run by bench/stored-topic-bytes.sh, which records
 * the figure in bench/RESULTS.md, "Bytes per stored topic". Args: N, text bytes.
 */
public final class StoredTopicHeap {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        byte[] text = "x".repeat(Integer.parseInt(args[1])).getBytes(StandardCharsets.UTF_8);
        InMemoryBroker broker = new InMemoryBroker();
        broker.start(new Broker.Listener() {
            public void onVersion(TopicVersion v) { }
            public void onState(TopicVersion v) { }
            public void onDeleted(TopicDeletion d) { }
            public boolean serves(String topic) { return false; }
            public Collection<String> served() { return List.of(); }
            public void onRevoked(Revocation r) { }
        });
        long before = used();
        for (int i = 0; i < n; i++) {
            broker.publish(String.format("topic-%08d", i), text.clone()); // a text of its own, as from a request
        }
        long after = used();
        System.out.printf("embedded broker: %d topics (name 14 chars, text %d bytes): %.0f bytes of heap per topic%n",
                broker.stored(), text.length, (after - before) / (double) n);
    }

    private static long used() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // lets the collector settle between readings; not a wait for a condition
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
