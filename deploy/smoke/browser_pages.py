#!/usr/bin/env python3
"""Real browser clients for deploy/smoke: P headless Chromium pages, each with one EventSource.

  browser_pages.py run --url http://127.0.0.1:8000 --topic t --pages 2 --log pages.tsv [--first-index 900000] [--index-step 1]

Starts /usr/bin/chromedriver on a free loopback port and one Chromium session per page (a fresh
profile each), loads <url>/pushgate.js (a page of the load balancer's origin that opens nothing
itself) and opens `new EventSource('/topics/<topic>/events')` in it. Every 100 ms it collects what
the page saw and appends it to the log in sse_client.py's format, so its `report` reads both:
  <t> open  <page>                      onopen
  <t> event <page> <lastEventId> <data> onmessage
  <t> end   <page> readyState-0         onerror while the browser will reconnect (CONNECTING)
  <t> fail  <page> readyState-2         onerror with the source CLOSED: it never comes back
  <t> state <page> <readyState>         the readyState, whenever it changed
Runs until SIGTERM, then ends the sessions and the driver. Python 3 standard library only
(the W3C WebDriver protocol is JSON over HTTP).
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
OPEN = """
window.pageLog = [];
const note = (...fields) => window.pageLog.push([Date.now() / 1000, ...fields]);
const es = new EventSource('/topics/' + encodeURIComponent(arguments[0]) + '/events');
es.onopen = () => note('open');
es.onmessage = (e) => note('event', e.lastEventId, e.data);
es.onerror = () => note(es.readyState === EventSource.CLOSED ? 'fail' : 'end', 'readyState-' + es.readyState);
window.source = es;
"""
COLLECT = "return [window.source.readyState, window.pageLog.splice(0)];"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self):
        self.port = free_port()
        # Without --allowed-ips the driver takes local connections only (with it, it also binds IPv6).
        self.process = subprocess.Popen([CHROMEDRIVER, "--port=%d" % self.port],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                self.call("GET", "/status")
                return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise
                time.sleep(0.05)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)["value"]

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Page:
    def __init__(self, driver, index):
        self.driver = driver
        self.index = index
        self.profile = tempfile.mkdtemp(prefix="pushgate-chromium-")
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": ARGS + ["--user-data-dir=" + self.profile]}}}}
        self.session = driver.call("POST", "/session", caps)["sessionId"]
        self.state = None

    def run(self, script, *args):
        return self.driver.call("POST", "/session/%s/execute/sync" % self.session,
                                {"script": script, "args": list(args)})

    def close(self):
        try:
            self.driver.call("DELETE", "/session/%s" % self.session)
        except OSError:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--url", required=True, help="the load balancer, http://127.0.0.1:PORT")
    r.add_argument("--topic", required=True)
    r.add_argument("--pages", type=int, default=2)
    r.add_argument("--log", required=True)
    r.add_argument("--first-index", type=int, default=900000, help="the first page's stream index in the log")
    r.add_argument("--index-step", type=int, default=1, help="page k is stream first-index + k * index-step")
    args = parser.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    driver = Driver()
    pages = []
    try:
        with open(args.log, "a", encoding="utf-8") as log:
            def open_page(i):
                page = Page(driver, args.first_index + i * args.index_step)
                pages.append(page)
                driver.call("POST", "/session/%s/url" % page.session, {"url": args.url + "/pushgate.js"})
                page.run(OPEN, args.topic)

            # Each session starts a browser (seconds under load): all at once.
            with concurrent.futures.ThreadPoolExecutor(args.pages) as starting:
                list(starting.map(open_page, range(args.pages)))
            pages.sort(key=lambda p: p.index)
            while not stop:
                for page in pages:
                    state, happenings = page.run(COLLECT)
                    for t, kind, *fields in happenings:
                        fields = [str(f).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") for f in fields]
                        log.write("\t".join(["%.6f" % t, kind, str(page.index)] + fields) + "\n")
                    if state != page.state:
                        page.state = state
                        log.write("%.6f\tstate\t%d\t%d\n" % (time.time(), page.index, state))
                log.flush()
                time.sleep(0.1)
    finally:
        for page in pages:
            page.close()
        driver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
