package io.pushgate.sse;

import io.pushgate.hub.FeedStart;
import io.pushgate.wire.LastEventId;

import java.util.List;

/**
 * What one stream carries and where each part begins, as the request said.
 *
 * @param topics      the topics (may be empty when there are feeds)
 * @param topicResume what the client holds of a topic ({@code Last-Event-ID}), or null; null too on
 *                    a stream with feeds, whose id is the feeds' cursor
 * @param feeds       the feeds (may be empty)
 * @param feedStarts  where each feed begins, in the order of {@code feeds}
 * @param named       events named by their topic or feed ({@code /events}), or unnamed (one topic or one feed)
 */
public record StreamPlan(List<String> topics, LastEventId topicResume, List<String> feeds, List<FeedStart> feedStarts,
                         boolean named) {

    public StreamPlan {
        topics = List.copyOf(topics);
        feeds = List.copyOf(feeds);
        feedStarts = List.copyOf(feedStarts);
        if (feeds.size() != feedStarts.size()) {
            throw new IllegalArgumentException("one start per feed");
        }
    }

    /** A stream of topics only, as before feeds. */
    public static StreamPlan ofTopics(List<String> topics, boolean named, LastEventId resume) {
        return new StreamPlan(topics, resume, List.of(), List.of(), named);
    }
}
