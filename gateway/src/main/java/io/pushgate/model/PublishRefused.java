package io.pushgate.model;

/**
 * A publish refused whatever the client does again: the topic's versions come from elsewhere (a
 * topic followed from an application's Redis keys). Nothing was stored; the message says where
 * the topic's source is, for the client.
 */
public final class PublishRefused extends RuntimeException {
    public PublishRefused(String reason) {
        super(reason, null, false, false);
    }
}
