/*
 * pushgate.js: subscribes a page to pushgate topics and feeds and keeps it subscribed. Plain
 * ES2017, no dependency, no build step; served by every pushgate node at /pushgate.js.
 *
 *   const sub = Pushgate.subscribe({
 *     url: '',                               // the gateway's origin; '' for the page's own
 *     topics: ['news', 'weather'],           // or one name: 'news'; optional when feeds are given
 *     feeds: ['wall'],                       // optional: feeds, every event of which counts
 *     last: 50,                              // optional: while it holds no id, each feed starts with its last 50 events
 *     token: async () => (await fetch('/my-token')).text(),   // optional: null means signed out
 *     onMessage: (name, text, id, kind) => render(name, text),  // kind: 'topic' or 'feed'
 *     onReset: (feed) => clearList(feed),                     // optional: the feed's events come again, from its oldest kept
 *     onState: (state, detail) => show(state),                // optional
 *     onDeleted: (topic) => clear(topic),                     // optional: the topic's state was deleted
 *     lastEventId: sessionStorage.lastId,    // optional: resume from an id seen before (sub.lastEventId)
 *   });
 *   sub.close();
 *
 * What it adds to a bare EventSource:
 * - the token travels as the access_token query parameter (EventSource cannot set headers);
 * - before the token's exp it asks for a fresh one and re-creates the stream with it, and it does
 *   the same when the server ends a stream with `event: pushgate.closed` (token expired);
 * - an EventSource that gave up for good (readyState CLOSED: a 401, 403 or 502, any answer but
 *   200 text/event-stream) is re-created with a fresh token after a jittered exponential backoff;
 * - every re-created stream carries the last event id seen (the lastEventId query parameter), so
 *   the server sends at once whatever is newer: no version is missed across a re-creation.
 * - a topic whose state is deleted on the server (event pushgate.deleted) is reported to onDeleted;
 *   the stream stays open, and the topic's next publish arrives through onMessage as usual.
 * - feeds: each feed event goes to onMessage with kind 'feed' and its id '<seq>-<epoch>' (the id
 *   POST /feeds/{f} answered). The helper keeps every feed's last id itself and a re-created stream
 *   carries them all (in a stream of several feeds the server's own id-only frames do this for the
 *   EventSource's reconnects, but they dispatch no event a script could see), so the server replays
 *   what each feed missed, exactly once. When it cannot (the id is older than what the feed keeps,
 *   or the feed began again), it sends pushgate.reset and then the kept events: onReset(feed) is
 *   told first, so the page can clear its list and rebuild it from the events that follow.
 * The EventSource's own reconnects (readyState CONNECTING, e.g. after a network error or a node's
 * drain) are left to it: it sends Last-Event-ID itself and follows the server's retry: hint.
 *
 * States given to onState: 'connecting' (a new EventSource), 'open', 'reconnecting' (the
 * EventSource retries by itself), 'waiting' (re-creation after detail ms of backoff),
 * 'signed-out' (the token callback threw, rejected or gave null; detail: the error, if any; it is
 * asked again after the backoff, so a user who signs in, e.g. in another tab, is picked up without
 * a reload), 'closed' (close() was called).
 */
(function (global) {
  'use strict';

  const TOPIC_NAME = /^(?!pushgate\.)(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;
  const RETRY_BASE_MS = 1000;
  const RETRY_CAP_MS = 30000;
  // A stream that stayed open this long (or delivered an event) was healthy: backoff starts over.
  const HEALTHY_MS = 10000;
  // Refresh a token 30 s before its exp, or 10% of its remaining life before it when that is less,
  // so a short-lived token (say 1 min) is not refreshed at once and then again in a loop.
  const REFRESH_AHEAD_MS = 30000;
  const REFRESH_AHEAD_SHARE = 0.1;
  const MAX_TIMEOUT_MS = 0x7fffffff; // setTimeout's largest delay (about 24 days)
  const CLOSED_EVENT = 'pushgate.closed';
  const DELETED_EVENT = 'pushgate.deleted';
  const RESET_EVENT = 'pushgate.reset';
  // A feed event's id: '<seq>-<epoch>', after '<feed>/' in a stream of /events.
  const FEED_ID = /^(?:([^/,]+)\/)?(\d+-[0-9a-z]+)$/;

  /** The JWT's exp in ms since the epoch, or null. Not verified: only the server can, and does. */
  function expiryOf(token) {
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(payload), function (c) { return c.charCodeAt(0); });
      const exp = JSON.parse(new TextDecoder().decode(bytes)).exp;
      return typeof exp === 'number' ? exp * 1000 : null;
    } catch (e) {
      return null; // not a JWT we can read: rely on the server's pushgate.closed and 401
    }
  }

  function subscribe(options) {
    if (typeof options.onMessage !== 'function') {
      throw new TypeError('onMessage must be a function');
    }
    const topics = options.topics == null ? [] : [].concat(options.topics);
    const feeds = options.feeds == null ? [] : [].concat(options.feeds);
    if (topics.length + feeds.length === 0) {
      throw new TypeError('name at least one topic or feed');
    }
    const checkName = function (kind) {
      return function (name) {
        if (!TOPIC_NAME.test(name)) {
          throw new TypeError('invalid ' + kind + ' name (allowed: [A-Za-z0-9._:-]{1,128}, not . or .., not beginning with pushgate.): ' + name);
        }
      };
    };
    topics.forEach(checkName('topic'));
    feeds.forEach(checkName('feed'));
    topics.forEach(function (topic) {
      if (feeds.indexOf(topic) >= 0) {
        // Events of a stream of several names are named by name: the two could not be told apart.
        throw new TypeError('a name may not be both a topic and a feed of one subscription: ' + topic);
      }
    });
    const last = options.last == null ? 0 : Number(options.last);
    if (!(Number.isInteger(last) && last >= 0)) {
      throw new TypeError('last must be a whole number of events: ' + options.last);
    }
    const base = (options.url || '').replace(/\/+$/, '');
    // A valid name needs no escaping in a path. A single topic or feed has a stream of its own.
    const single = topics.length + feeds.length === 1;
    const path = !single ? '/events'
      : topics.length === 1 ? '/topics/' + topics[0] + '/events' : '/feeds/' + feeds[0] + '/events';

    // In a stream with feeds the last event id is the feeds' cursors (topic events carry none), so
    // the helper keeps each feed's '<seq>-<epoch>' and writes them in the server's form when it
    // opens a stream: '<seq>-<epoch>' for /feeds/{f}/events, 'a/<seq>-<epoch>,b/…' for /events.
    const cursors = {};
    let lastEventId = '';   // a topics-only stream's last event id
    if (feeds.length > 0) {
      String(options.lastEventId || '').split(',').forEach(function (part) {
        const m = FEED_ID.exec(part);
        const feed = m && (m[1] || (single ? feeds[0] : null));
        if (feed && feeds.indexOf(feed) >= 0) {
          cursors[feed] = m[2];
        }
      });
    } else {
      lastEventId = options.lastEventId || '';
    }

    /** The id that resumes every feed (or the topics) where this subscription is. */
    function resumeId() {
      if (feeds.length === 0) {
        return lastEventId;
      }
      if (single) {
        return cursors[feeds[0]] || '';
      }
      return feeds.filter(function (feed) { return cursors[feed]; })
        .map(function (feed) { return feed + '/' + cursors[feed]; }).join(',');
    }

    let source = null;   // the current EventSource, or null
    let token = null;    // the token it was opened with
    let timer = null;    // the one pending timer: a token refresh or a backoff
    let asking = false;  // a token request is in flight
    let closed = false;  // close() was called
    let attempt = 0;     // re-creations since the last healthy stream
    let delivered = false;
    let openedAt = 0;

    function report(state, detail) {
      if (options.onState) {
        try {
          options.onState(state, detail);
        } catch (e) {
          console.error('pushgate: onState threw', e);
        }
      }
    }

    function clearTimer() {
      clearTimeout(timer);
      timer = null;
    }

    function drop() {
      if (source) {
        source.close();
        source = null;
      }
    }

    function url() {
      const query = new URLSearchParams();
      if (!single) {
        topics.forEach(function (topic) { query.append('topic', topic); });
        feeds.forEach(function (feed) { query.append('feed', feed); });
      }
      if (last > 0 && feeds.length > 0) {
        query.set('last', String(last)); // the server applies it only while the stream carries no id
      }
      if (token) {
        query.set('access_token', token);
      }
      // Read by the server only when there is no Last-Event-ID header, i.e. on a new EventSource.
      const id = resumeId();
      if (id) {
        query.set('lastEventId', id);
      }
      const q = query.toString();
      return base + path + (q ? '?' + q : '');
    }

    /** Asks for a token (when there is a callback), then re-creates the stream with it. */
    async function renew() {
      if (closed || asking) {
        return;
      }
      clearTimer();
      let fresh = null;
      let failure;
      if (options.token) {
        asking = true;
        try {
          fresh = await options.token();
        } catch (e) {
          failure = e;
        } finally {
          asking = false;
        }
        if (closed) {
          return;
        }
        if (!fresh) {
          drop();
          report('signed-out', failure);
          retryLater();
          return;
        }
        if (fresh === token && source && source.readyState !== EventSource.CLOSED) {
          // The same token again (a cache in the callback): keep the stream; at its exp the server
          // ends it with pushgate.closed and the callback is asked again.
          return;
        }
      }
      open(fresh);
    }

    /** Full jitter: a random delay below min(cap, base * 2^attempt); spreads a crowd's retries. */
    function retryLater() {
      if (delivered || (openedAt && Date.now() - openedAt >= HEALTHY_MS)) {
        attempt = 0;
      }
      delivered = false;
      openedAt = 0;
      const delay = Math.round(Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * Math.pow(2, attempt)));
      attempt++;
      report('waiting', delay);
      clearTimer();
      timer = setTimeout(renew, delay);
    }

    function scheduleRefresh() {
      const exp = token && expiryOf(token);
      const remaining = exp ? exp - Date.now() : 0;
      if (remaining <= 0) {
        return; // no exp, or expired by this page's clock: the server's 401 or pushgate.closed tell
      }
      const delay = remaining - Math.min(REFRESH_AHEAD_MS, remaining * REFRESH_AHEAD_SHARE);
      timer = setTimeout(renew, Math.min(delay, MAX_TIMEOUT_MS));
    }

    function open(fresh) {
      // Close the old stream, then open the new one (not the other way round): two streams at once
      // would take two of the ~6 connections a browser allows per host over HTTP/1.1 and could
      // deliver an event twice; the gap loses nothing, as the new stream carries lastEventId and
      // the server sends at once any version newer than it.
      drop();
      clearTimer();
      token = fresh;
      delivered = false;
      openedAt = 0;
      report('connecting');
      const es = new EventSource(url());
      source = es;
      es.onopen = function () {
        if (es === source) {
          openedAt = Date.now();
          report('open');
        }
      };
      es.onerror = function () {
        if (es !== source) {
          return;
        }
        if (es.readyState === EventSource.CLOSED) {
          drop(); // it gave up for good (an answer but 200 text/event-stream): ours to re-create
          retryLater();
        } else {
          report('reconnecting'); // it retries by itself, with Last-Event-ID
        }
      };
      const deliver = function (topic) {
        return function (e) {
          if (es !== source) {
            return;
          }
          delivered = true;
          if (feeds.length === 0) {
            lastEventId = e.lastEventId;
            options.onMessage(topic, e.data, e.lastEventId, 'topic');
          } else {
            options.onMessage(topic, e.data, '', 'topic'); // no id: it stays the feeds' cursor
          }
        };
      };
      const deliverFeed = function (feed) {
        return function (e) {
          if (es !== source) {
            return;
          }
          // The event's own id (the 'id:' line before its data), not a later id-only frame's list.
          const m = FEED_ID.exec(e.lastEventId);
          const id = m ? m[2] : e.lastEventId;
          cursors[feed] = id;
          delivered = true;
          options.onMessage(feed, e.data, id, 'feed');
        };
      };
      if (single) {
        es.onmessage = topics.length === 1 ? deliver(topics[0]) : deliverFeed(feeds[0]);
      } else {
        topics.forEach(function (topic) { es.addEventListener(topic, deliver(topic)); });
        feeds.forEach(function (feed) { es.addEventListener(feed, deliverFeed(feed)); });
      }
      es.addEventListener(RESET_EVENT, function (e) {
        if (es !== source) {
          return;
        }
        // The data is the feed's name. Its old cursor is of no use any more: the kept events follow.
        delete cursors[e.data];
        delivered = true;
        if (options.onReset) {
          options.onReset(e.data);
        }
      });
      es.addEventListener(DELETED_EVENT, function (e) {
        if (es === source && options.onDeleted) {
          delivered = true;
          options.onDeleted(e.data); // the data is the topic's name; the last event id stays
        }
      });
      es.addEventListener(CLOSED_EVENT, function () {
        if (es === source) {
          drop(); // the server ends the stream: its token expired before a refresh replaced it
          renew();
        }
      });
      scheduleRefresh();
    }

    renew();
    return {
      /** Where this subscription is (the feeds' last ids, or the topics' last event id): pass it to resume a later one. */
      get lastEventId() {
        return resumeId();
      },
      close: function () {
        if (!closed) {
          closed = true;
          clearTimer();
          drop();
          report('closed');
        }
      },
    };
  }

  global.Pushgate = Object.freeze({ subscribe: subscribe });
})(typeof self !== 'undefined' ? self : this);
