#!/usr/bin/env python3
"""A small SSE client that reconnects the way a browser's EventSource does, for deploy/smoke.

  sse_client.py run --url http://127.0.0.1:8000/topics/t/events --log events.tsv [--streams N]
  sse_client.py run --url 'http://127.0.0.1:8000/topics/t{n}/events' --streams 1000 --topics 10 ...
  sse_client.py report --log events.tsv [--marks marks.tsv] [--expect-last ID[,ID...]]
  sse_client.py crash --log a.tsv [--log b.tsv ...] --kill T --current ID[,ID...] --expect-last ID[,ID...]
  sse_client.py tick --url http://127.0.0.1:8000 --topic 't{n}' --topics 10 --rate 10 [--token T]
  sse_client.py publish --url http://127.0.0.1:8000 --topic 't{n}' --topics 10 --text TEXT [--token T]

`run` holds N streams open until SIGTERM; stream i replaces {n} in the URL by i % topics. Like EventSource (WHATWG HTML, "Server-sent events")
each stream: sends `Accept: text/event-stream` and, after the first event id, `Last-Event-ID`;
parses `id:`, `data:`, `retry:` and comments; when the response ends or the connection breaks it
waits the last `retry:` value (3 s before any) and reconnects. Unlike EventSource it also
reconnects after a non-200 answer (a browser would give up), but logs it as `fail`, so a test
can insist that there were none.

The log has one tab-separated line per happening (wall-clock seconds, so shell scripts can
compare with `date +%s.%N`):
  <t> open  <stream> <attempt>           the 200 response head arrived
  <t> fail  <stream> <reason>            connect error or non-200 answer
  <t> retry <stream> <ms>                a retry: field
  <t> event <stream> <id> <data>         an event (data with \\n and \\t escaped)
  <t> end   <stream> <reason>            the response ended (last-chunk, eof, error)
Other clients (pushgate-load eventsource, browser_pages.py) write the same format and may add
`error` (a connection that broke before its head; EventSource retries) and `state`.

Python 3 standard library only.
"""
import argparse
import asyncio
import collections
import json
import signal
import sys
import time
import urllib.parse


class Log:
    """Buffered TSV log; flushed often enough for a shell script that polls it."""

    def __init__(self, path):
        self.file = open(path, "a", buffering=1 << 16, encoding="utf-8")
        self.pending = False

    def write(self, kind, stream, *fields):
        parts = ["%.6f" % time.time(), kind, str(stream)] + [str(f) for f in fields]
        self.file.write("\t".join(parts) + "\n")
        self.pending = True

    async def flusher(self):
        while True:
            await asyncio.sleep(0.01)
            if self.pending:
                self.file.flush()
                self.pending = False

    def close(self):
        self.file.flush()
        self.file.close()


class EventParser:
    """The event-stream parser of the HTML standard: CR, LF and CRLF end a line."""

    def __init__(self, on_event, on_retry):
        self.on_event = on_event
        self.on_retry = on_retry
        self.pending = ""
        self.last_id = ""
        self.data = []
        self.has_data = False

    def feed(self, text):
        buf = self.pending + text
        start = 0
        i = 0
        n = len(buf)
        while i < n:
            c = buf[i]
            if c == "\n" or c == "\r":
                if c == "\r" and i + 1 == n:
                    break  # a CR at the end may be the first half of CRLF: wait for more
                self.line(buf[start:i])
                i += 2 if c == "\r" and buf[i + 1] == "\n" else 1
                start = i
            else:
                i += 1
        self.pending = buf[start:]

    def line(self, line):
        if line == "":
            if self.has_data:
                self.on_event(self.last_id, "\n".join(self.data))
            self.data = []
            self.has_data = False
            return
        if line.startswith(":"):
            return
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self.data.append(value)
            self.has_data = True
        elif field == "id":
            if "\0" not in value:
                self.last_id = value
        elif field == "retry":
            if value.isdigit():
                self.on_retry(int(value))


class Stream:
    def __init__(self, index, url, log, read_timeout):
        self.index = index
        self.url = urllib.parse.urlsplit(url)
        self.log = log
        self.read_timeout = read_timeout
        self.last_id = ""
        self.retry_ms = 3000  # what browsers use before the server sends retry:
        self.attempt = 0

    async def run(self):
        while True:
            self.attempt += 1
            await self.connect_once()
            await asyncio.sleep(self.retry_ms / 1000)

    async def connect_once(self):
        writer = None
        opened = False
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.url.hostname, self.url.port or 80), 5)
            path = self.url.path + ("?" + self.url.query if self.url.query else "")
            head = ("GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n"
                    "Cache-Control: no-cache\r\n" % (path, self.url.netloc))
            if self.last_id:
                head += "Last-Event-ID: %s\r\n" % self.last_id
            writer.write((head + "\r\n").encode("ascii"))
            await writer.drain()
            status_line = await self.readline(reader)
            headers = {}
            while True:
                line = await self.readline(reader)
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            parts = status_line.split(b" ", 2)
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            if status != 200 or not headers.get("content-type", "").startswith("text/event-stream"):
                self.log.write("fail", self.index, "status-%d" % status)
                return
            self.log.write("open", self.index, self.attempt)
            opened = True
            parser = EventParser(self.event, self.retry)
            parser.last_id = self.last_id
            if headers.get("transfer-encoding", "").lower() == "chunked":
                reason = await self.read_chunked(reader, parser)
            else:
                reason = await self.read_to_eof(reader, parser)
            self.log.write("end", self.index, reason)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            self.log.write("end" if opened else "fail", self.index, type(e).__name__)
        finally:
            if writer is not None:
                writer.close()

    async def readline(self, reader):
        return await asyncio.wait_for(reader.readline(), self.read_timeout)

    async def read_chunked(self, reader, parser):
        while True:
            size_line = await self.readline(reader)
            if not size_line:
                return "eof-in-chunked"
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while (await self.readline(reader)) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return "last-chunk"
            chunk = await asyncio.wait_for(reader.readexactly(size + 2), self.read_timeout)
            parser.feed(chunk[:-2].decode("utf-8"))

    async def read_to_eof(self, reader, parser):
        while True:
            data = await asyncio.wait_for(reader.read(65536), self.read_timeout)
            if not data:
                return "eof"
            parser.feed(data.decode("utf-8"))

    def event(self, event_id, data):
        self.last_id = event_id
        self.log.write("event", self.index, event_id,
                       data.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t"))

    def retry(self, ms):
        self.retry_ms = ms
        self.log.write("retry", self.index, ms)


async def run(args):
    log = Log(args.log)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    flusher = asyncio.create_task(log.flusher())
    tasks = []
    for i in range(args.streams):
        url = args.url.replace("{n}", str(i % args.topics))
        tasks.append(asyncio.create_task(Stream(i, url, log, args.read_timeout).run()))
        if args.open_rate and (i + 1) % args.open_rate == 0:
            await asyncio.sleep(0.1)  # open_rate streams per 100 ms
    await stop.wait()
    for t in tasks + [flusher]:
        t.cancel()
    await asyncio.gather(*tasks, flusher, return_exceptions=True)
    log.close()


def read_log(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                rows.append((float(parts[0]), parts[1], int(parts[2]), parts[3:]))
    return rows


def histogram(values, width):
    counts = collections.Counter(int(v // width) for v in values)
    lines = []
    top = max(counts.values()) if counts else 1
    for b in range(min(counts), max(counts) + 1) if counts else []:
        n = counts.get(b, 0)
        lines.append("  %5.2f-%5.2f s %5d %s" % (b * width, (b + 1) * width, n, "#" * max(n * 50 // top, 1 if n else 0)))
    return lines


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else float("nan")


def report(args):
    rows = read_log(args.log)
    marks = []
    if args.marks:
        with open(args.marks, encoding="utf-8") as f:
            for line in f:
                t, name = line.rstrip("\n").split("\t", 1)
                marks.append((float(t), name))
    streams = collections.defaultdict(list)
    for row in rows:
        streams[row[2]].append(row)
    out = {"streams": len(streams), "fails": 0, "duplicates": 0, "backwards": 0,
           "not_latest": 0, "reconnects": 0}
    expected = args.expect_last.split(",") if args.expect_last else []
    delays = []  # (end time, seconds without a stream, retry in effect, reopen time)
    fail_reasons = collections.Counter()
    for index, events in streams.items():
        seen = set()
        last_version = None
        retry_ms = None
        ended_at = None
        last_id = None
        for t, kind, _, fields in events:
            if kind == "event":
                last_id = fields[0]
                if last_id in seen:
                    out["duplicates"] += 1
                seen.add(last_id)
                version = int(last_id.split("-", 1)[0]) if last_id.split("-", 1)[0].isdigit() else None
                if version is not None and last_version is not None and version < last_version:
                    out["backwards"] += 1
                last_version = version
            elif kind == "retry":
                retry_ms = int(fields[0])
            elif kind == "end":
                ended_at = (t, retry_ms)
            elif kind == "fail":
                out["fails"] += 1
                fail_reasons[fields[0]] += 1
            elif kind == "open" and ended_at is not None:
                delays.append((ended_at[0], t - ended_at[0], ended_at[1], t))
                out["reconnects"] += 1
                ended_at = None
        if expected and last_id != expected[index % len(expected)]:
            out["not_latest"] += 1
    lines = ["streams %d, reconnects %d, failed attempts %d %s, versions delivered twice %d, "
             "backwards %d, not ending with %s: %d"
             % (out["streams"], out["reconnects"], out["fails"], dict(fail_reasons), out["duplicates"],
                out["backwards"], "the latest version" if expected else "-", out["not_latest"])]
    phases = [(t, name) for t, name in marks] or [(0.0, "all")]
    for i, (start, name) in enumerate(phases):
        stop = phases[i + 1][0] if i + 1 < len(phases) else float("inf")
        phase = [d for d in delays if start <= d[0] < stop]
        if not phase:
            continue
        gaps = [d[1] for d in phase]
        ends = [d[0] - start for d in phase]
        retries = [d[2] / 1000 for d in phase if d[2] is not None]
        # What the reconnect cost beyond the wait the server asked for: connect + LB + response head.
        beyond = [d[1] - d[2] / 1000 for d in phase if d[2] is not None]
        lines.append("")
        reopened = max(d[3] for d in phase) - start
        lines.append("%s: %d reconnects; streams closed from %.2f s to %.2f s after the mark, the last one "
                     "back %.2f s after the mark; reconnect delay (stream end to next 200 head) min %.3f / "
                     "p50 %.3f / p90 %.3f / p99 %.3f / max %.3f s; retry: hints %.3f..%.3f s"
                     % (name, len(phase), min(ends), max(ends), reopened, min(gaps), pct(gaps, 50), pct(gaps, 90),
                        pct(gaps, 99), max(gaps), min(retries) if retries else 0, max(retries) if retries else 0))
        if beyond:
            lines.append(" reconnect delay minus the retry: hint (connect, LB, response head): p50 %.3f / "
                         "p99 %.3f / max %.3f s" % (pct(beyond, 50), pct(beyond, 99), max(beyond)))
        lines.append(" reconnect delays:")
        lines += histogram(gaps, args.bucket)
        lines.append(" stream ends, seconds after the mark (the drain's batches):")
        lines += histogram(ends, args.spread_bucket)
    text = "\n".join(lines)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f)
    ok = out["fails"] == 0 and out["duplicates"] == 0 and out["backwards"] == 0 and out["not_latest"] == 0
    return 0 if ok else 1


def version_of(event_id):
    """(epoch, version) of a pushgate id <version>-<epoch>; None for anything else."""
    version, _, epoch = event_id.partition("-")
    return (epoch, int(version)) if version.isdigit() else None


def at_least(event_id, wanted):
    mine, want = version_of(event_id), version_of(wanted)
    return mine is not None and want is not None and mine[0] == want[0] and mine[1] >= want[1]


def crash(args):
    """The crash of a node: from the kill, when every stream it dropped was connected again, when
    every stream held the version published right after the kill (or a later one), and whether
    every stream ends on the last version, none closed for good (a `fail`: what a browser's
    EventSource never comes back from), none left without a stream."""
    rows = []
    for path in args.log:
        rows += read_log(path)
    rows.sort(key=lambda r: r[0])
    current = args.current.split(",")
    last = args.expect_last.split(",")
    streams = collections.defaultdict(list)
    for row in rows:
        streams[row[2]].append(row)
    dropped = connected_at = current_at = 0
    not_connected, not_current, stale, closed, duplicates = [], [], [], [], 0
    for index, events in streams.items():
        after = [e for e in events if e[0] >= args.kill]
        if any(kind == "end" for _, kind, _, _ in after):
            dropped += 1
        connection = [e for e in events if e[1] in ("open", "end", "error", "fail")]
        if not connection or connection[-1][1] != "open":
            not_connected.append(index)
        elif connection[-1][0] >= args.kill:
            connected_at = max(connected_at, connection[-1][0] - args.kill)
        if any(kind == "fail" for _, kind, _, _ in events):
            closed.append(index)
        states = [f[0] for _, kind, _, f in events if kind == "state"]
        if states and states[-1] != "1":
            not_connected.append(index)
        ids = [(t, f[0]) for t, kind, _, f in events if kind == "event"]
        duplicates += len(ids) - len(set(i for _, i in ids))
        want = current[index % len(current)]
        got = [t for t, i in ids if at_least(i, want)]
        if got:
            current_at = max(current_at, max(got[0], args.kill) - args.kill)
        else:
            not_current.append(index)
        if not ids or ids[-1][1] != last[index % len(last)]:
            stale.append(index)
    out = {"streams": len(streams), "dropped": dropped, "all_connected_s": round(connected_at, 3),
           "all_current_s": round(current_at, 3), "not_connected": len(set(not_connected)),
           "not_current": len(not_current), "stale_at_end": len(stale), "closed": len(closed),
           "duplicates": duplicates}
    print("streams %(streams)d, dropped by the kill %(dropped)d; all connected %(all_connected_s).3f s and all "
          "current %(all_current_s).3f s after the kill; at the end: not connected %(not_connected)d, closed for "
          "good %(closed)d, stale %(stale_at_end)d (never current %(not_current)d), versions delivered twice "
          "%(duplicates)d" % out)
    for name, which in (("not connected", not_connected), ("closed", closed), ("stale", stale)):
        if which:
            print("  %s, e.g. stream %s: %s" % (name, which[0], streams[which[0]][-3:]))
    for extra in args.extra or []:
        key, _, value = extra.partition("=")
        out[key] = value
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f)
    ok = not not_connected and not closed and not stale and not not_current and duplicates == 0
    return 0 if ok else 1


class Publisher:
    """PUTs over one keep-alive connection (reopened after an error), with a bearer token if given."""

    def __init__(self, url, token=None):
        import http.client
        self.http = http.client
        url = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        self.headers = {"Authorization": "Bearer " + token} if token else {}

    def put(self, topic, text):
        """The answer's event id <version>-<epoch>, or None when the PUT failed."""
        try:
            self.connection.request("PUT", "/topics/" + urllib.parse.quote(topic, safe=""), text.encode(), self.headers)
            answer = self.connection.getresponse()
            body = answer.read()
        except (OSError, self.http.HTTPException):
            self.connection.close()
            return None
        if answer.status != 200:
            return None
        state = json.loads(body)
        return "%d-%s" % (state["version"], state["epoch"])


def tick(args):
    """Publishes a text that starts with its Unix microseconds, to topic n = 0, 1, ... in turn, at a
    steady rate until SIGTERM: the latency probe of existing streams."""
    publisher = Publisher(args.url, args.token)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    n = failed = 0
    start = time.time()
    while not stop:
        topic = args.topic.replace("{n}", str(n % args.topics))
        failed += publisher.put(topic, "%d tick %d" % (time.time_ns() // 1000, n)) is None
        n += 1
        time.sleep(max(0.0, start + n / args.rate - time.time()))
    print("published %d ticks, %d failed" % (n, failed))
    return 0


def publish(args):
    """One version of each topic, as fast as one connection goes; prints the ids comma-separated."""
    publisher = Publisher(args.url, args.token)
    ids = []
    for n in range(args.topics):
        topic = args.topic.replace("{n}", str(n))
        for _ in range(3):  # a PUT through a load balancer may meet a connection the node just closed
            event_id = publisher.put(topic, args.text)
            if event_id:
                break
        else:
            print("PUT /topics/%s failed" % topic, file=sys.stderr)
            return 1
        ids.append(event_id)
    print(",".join(ids))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="hold streams open until SIGTERM")
    r.add_argument("--url", required=True)
    r.add_argument("--log", required=True)
    r.add_argument("--streams", type=int, default=1)
    r.add_argument("--topics", type=int, default=1, help="{n} in the URL becomes stream index %% topics")
    r.add_argument("--open-rate", type=int, default=100, help="streams opened per 100 ms (0: all at once)")
    r.add_argument("--read-timeout", type=float, default=120.0, help="a silent response this long is broken (3 heartbeats)")
    p = sub.add_parser("report", help="summarise a log: duplicates, last ids, reconnect delays")
    p.add_argument("--log", required=True)
    p.add_argument("--marks", help="TSV of <time> <name>: phases to report apart")
    p.add_argument("--expect-last", help="the id every stream must end with; a comma-separated list: "
                   "stream i must end with item i %% its length (one per topic of run --topics)")
    p.add_argument("--bucket", type=float, default=0.25)
    p.add_argument("--spread-bucket", type=float, default=1.0)
    p.add_argument("--json")
    c = sub.add_parser("crash", help="after a node's crash: time to all connected and all current")
    c.add_argument("--log", action="append", required=True)
    c.add_argument("--kill", type=float, required=True, help="the time of the kill (seconds, wall clock)")
    c.add_argument("--current", required=True, help="ids published right after the kill, one per topic as --expect-last")
    c.add_argument("--expect-last", required=True)
    c.add_argument("--json")
    c.add_argument("--extra", action="append", help="KEY=VALUE added to the JSON (figures the caller measured)")
    t = sub.add_parser("tick", help="publish timestamped texts at a steady rate until SIGTERM")
    t.add_argument("--url", required=True)
    t.add_argument("--topic", required=True, help="{n} becomes 0, 1, ... --topics - 1 in turn")
    t.add_argument("--topics", type=int, default=1)
    t.add_argument("--rate", type=float, default=10)
    t.add_argument("--token")
    u = sub.add_parser("publish", help="one version of each topic; prints the ids")
    u.add_argument("--url", required=True)
    u.add_argument("--topic", required=True, help="{n} becomes 0, 1, ... --topics - 1")
    u.add_argument("--topics", type=int, default=1)
    u.add_argument("--text", required=True)
    u.add_argument("--token")
    args = parser.parse_args()
    if args.command == "publish":
        return publish(args)
    if args.command == "crash":
        return crash(args)
    if args.command == "tick":
        return tick(args)
    if args.command == "run":
        asyncio.run(run(args))
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
