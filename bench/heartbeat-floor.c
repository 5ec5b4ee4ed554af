// The heartbeat floor: the least a server can do to keep idle SSE streams alive. One epoll thread
// answers GET requests with pushgate's stream head and then writes a comment heartbeat chunk
// ("3\r\n:\n\n\r\n", the bytes pushgate writes) to each stream silent for the interval, checked on
// a 1 s tick as pushgate's loops do: one write() per heartbeat, nothing else. Its CPU per
// heartbeat is what the kernel's path costs; bench/idle-compare.sh measures pushgate against it
// (bench/RESULTS.md, "Idle CPU at 15,000 streams (issue 16)"). Loopback only, no limits, no safety.
//
//   gcc -O2 -o heartbeat-floor bench/heartbeat-floor.c && ./heartbeat-floor <port|0> <heartbeat, whole seconds>
// prints "heartbeat-floor listening on 127.0.0.1:<port>" once it listens.
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#define MAXFD 65536
static char inbuf[MAXFD][1024];
static int inlen[MAXFD];
static unsigned gen[MAXFD];      // bumped at each close, so a queued entry of a reused fd is stale
static int streaming[MAXFD];

// Streams in the order of their next heartbeat, due at a tick number: each gets its next one an
// interval after its last (or after the tick before it opened), so a FIFO ring is ordered by it.
struct due { int fd; unsigned gen; long long at; };
static struct due ring[MAXFD];
static int head, count;

static void push(int fd, long long at) {
  ring[(head + count) % MAXFD] = (struct due){ fd, gen[fd], at };
  count++;
}

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
  close(fd);
  gen[fd]++; streaming[fd] = 0; inlen[fd] = 0;
}

static const char HEAD[] = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    "cache-control: no-cache\r\nx-accel-buffering: no\r\ntransfer-encoding: chunked\r\n\r\n"
    "c\r\nretry: 1000\n\r\n";
static const char BEAT[] = "3\r\n:\n\n\r\n";

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  long long interval = argc > 2 ? atoll(argv[2]) : 15, ticks = 0;   // in ticks of 1 s
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (bind(ls, (void *) &a, sizeof a) || listen(ls, 65535) || getsockname(ls, (void *) &a, &alen)) { perror("listen"); return 1; }
  printf("heartbeat-floor listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  int tick = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct itimerspec every = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
  timerfd_settime(tick, 0, &every, 0);
  ev = (struct epoll_event) { .events = EPOLLIN, .data.fd = tick };
  epoll_ctl(ep, EPOLL_CTL_ADD, tick, &ev);
  struct epoll_event evs[1024];
  for (;;) {
    int n = epoll_wait(ep, evs, 1024, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == ls) {
        int c;
        while ((c = accept4(ls, 0, 0, SOCK_NONBLOCK)) >= 0) {
          if (c >= MAXFD) { close(c); continue; }
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          inlen[c] = 0; streaming[c] = 0;
          struct epoll_event e2 = { .events = EPOLLIN, .data.fd = c };
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &e2);
        }
      } else if (fd == tick) {
        unsigned long long expirations;
        if (read(tick, &expirations, sizeof expirations) > 0) ticks += expirations;
        while (count > 0 && ring[head].at <= ticks) {
          struct due d = ring[head];
          head = (head + 1) % MAXFD; count--;
          if (d.gen != gen[d.fd] || !streaming[d.fd]) continue;   // closed since
          if (write(d.fd, BEAT, sizeof BEAT - 1) < 0) {}          // a full socket skips a beat, as pushgate's
          push(d.fd, ticks + interval);
        }
      } else {
        int r = read(fd, inbuf[fd] + inlen[fd], sizeof inbuf[fd] - 1 - inlen[fd]);
        if (r <= 0) { drop(ep, fd); continue; }
        if (streaming[fd]) continue;                              // a stream's client has nothing to say
        inlen[fd] += r; inbuf[fd][inlen[fd]] = 0;
        if (!strstr(inbuf[fd], "\r\n\r\n")) continue;
        if (strncmp(inbuf[fd], "GET ", 4) || write(fd, HEAD, sizeof HEAD - 1) < 0) { drop(ep, fd); continue; }
        streaming[fd] = 1;
        push(fd, ticks + interval);
      }
    }
  }
}
