/*
 * load.c: the benchmark's UDP load generator (Linux, C99).
 *
 * It must never be the bottleneck, so it batches its own system calls
 * (sendmmsg/recvmmsg on non-blocking, connected sockets) while the servers
 * under test answer one datagram at a time.
 *
 * It sends from --sources sockets, each its own source port (2,000 by
 * default), in turn, one batch from each, as that many clients would: the
 * servers give each sender (address and port) a budget of answers a second
 * (lib/guards.ts), and a benchmark measures the servers, not that budget.
 * The replies come back to each socket; epoll says which have some.
 *
 *   load throughput HOST PORT [--seconds S] [--warmup S] [--window N]
 *                             [--count N] [--expect KIND] [--prefix TEXT]
 *                             [--sources N]
 *     Keeps N datagrams in flight for S seconds (after a warm-up) and counts
 *     the replies; stops early after --count replies.
 *
 *   load latency HOST PORT [--rate R] [--count N] [--expect KIND]
 *                          [--prefix TEXT] [--sources N]
 *     Sends N datagrams at a fixed R per second, one at a time, and measures
 *     each round trip.
 *
 * Every request is "benchmark message XXXXXXXX" (a hex sequence number at the
 * end). --expect says which server answers, and so which reply is good:
 *
 *   echo   PREFIX + the request (PREFIX is --prefix, "OK..." by default)
 *   hello  "Hello, " + the request + "!"
 *   size   "Your data was 26 bytes" (the request's length)
 *   time   4 bytes: an RFC 868 time within 5 seconds of this machine's clock
 *
 * An echo or hello reply carries the request's number back, so it is matched
 * to its own request; a size or time reply does not, so it is matched to the
 * oldest request still unanswered (loopback keeps datagrams in order). The
 * result is one JSON object on stdout. Every mode is bounded in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_REPLY 2048
#define PAYLOAD_PREFIX "benchmark message "
#define SEQ_DIGITS 8
#define PAYLOAD_LEN (sizeof(PAYLOAD_PREFIX) - 1 + SEQ_DIGITS)
#define STALL_NS 200000000LL /* no reply for 200 ms: count the window as lost */
#define DRAIN_NS 300000000LL /* latency mode: wait this long for the last replies */
#define MAX_SECONDS 30.0
#define SECONDS_1900_TO_1970 2208988800LL
#define TIME_TOLERANCE 5 /* seconds a time reply may be off */
#define UNNUMBERED (-2)  /* a good reply that names no request */
#define DEFAULT_SOURCES 2000
#define MAX_SOURCES 4096

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "load: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage(void) {
  fprintf(stderr,
          "usage: load throughput|latency HOST PORT [--seconds S] [--warmup S]"
          " [--window N] [--count N] [--rate R] [--expect echo|hello|size|time]"
          " [--prefix TEXT] [--sources N]\n");
  exit(2);
}

enum expect { EXPECT_ECHO, EXPECT_HELLO, EXPECT_SIZE, EXPECT_TIME };

struct options {
  double seconds, warmup, rate;
  long window, count, sources;
  enum expect expect;
  const char *prefix;
};

static void fill_payload(char *out, uint32_t seq) {
  memcpy(out, PAYLOAD_PREFIX, sizeof(PAYLOAD_PREFIX) - 1);
  snprintf(out + sizeof(PAYLOAD_PREFIX) - 1, SEQ_DIGITS + 1, "%08x", seq);
}

/* Reads the request number out of "benchmark message XXXXXXXX" at `at`. */
static int64_t request_number(const char *at) {
  char text[SEQ_DIGITS + 1];
  memcpy(text, at + PAYLOAD_LEN - SEQ_DIGITS, SEQ_DIGITS);
  text[SEQ_DIGITS] = 0;
  char *end;
  unsigned long seq = strtoul(text, &end, 16);
  if (*end != 0) return -1;
  char expected[PAYLOAD_LEN + 1];
  fill_payload(expected, (uint32_t)seq);
  if (memcmp(at, expected, PAYLOAD_LEN) != 0) return -1;
  return (int64_t)seq;
}

/* Checks a reply against what the server should answer. Returns the request
 * number it answers, UNNUMBERED for a good reply that names none, or -1. */
static int64_t check_reply(const char *reply, size_t len,
                           const struct options *o, size_t prefix_len) {
  switch (o->expect) {
  case EXPECT_ECHO:
    if (len != prefix_len + PAYLOAD_LEN) return -1;
    if (memcmp(reply, o->prefix, prefix_len) != 0) return -1;
    return request_number(reply + prefix_len);
  case EXPECT_HELLO:
    if (len != 7 + PAYLOAD_LEN + 1) return -1;
    if (memcmp(reply, "Hello, ", 7) != 0 || reply[len - 1] != '!') return -1;
    return request_number(reply + 7);
  case EXPECT_SIZE: {
    char expected[64];
    int n = snprintf(expected, sizeof expected, "Your data was %zu bytes",
                     (size_t)PAYLOAD_LEN);
    if (len != (size_t)n || memcmp(reply, expected, len) != 0) return -1;
    return UNNUMBERED;
  }
  case EXPECT_TIME: {
    if (len != 4) return -1;
    const unsigned char *b = (const unsigned char *)reply;
    uint32_t got = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                   (uint32_t)b[2] << 8 | (uint32_t)b[3];
    uint32_t now = (uint32_t)((int64_t)time(NULL) + SECONDS_1900_TO_1970);
    uint32_t apart = got > now ? got - now : now - got;
    return apart <= TIME_TOLERANCE ? UNNUMBERED : -1;
  }
  }
  return -1;
}

/* The sockets requests go out from, one source port each, and the epoll
 * instance that says which of them have replies waiting. */
static int sockets[MAX_SOURCES];
static long source_count;
static long next_source;
static int epoll_fd;

/* Makes sure this process may open `needed` files, raising its soft limit up
 * to the hard one if it must. */
static void allow_files(long needed) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) < 0) die("getrlimit");
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < (rlim_t)needed) {
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < (rlim_t)needed) {
      fprintf(stderr, "load: --sources %ld needs %ld open files; ulimit -n "
              "allows %llu\n", source_count, needed,
              (unsigned long long)limit.rlim_max);
      exit(1);
    }
    limit.rlim_cur = (rlim_t)needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) < 0) die("setrlimit");
  }
}

/* Opens `sources` non-blocking sockets connected to HOST:PORT. */
static void open_sockets(const char *host, const char *port_text,
                         long sources) {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  memset(&addr, 0, sizeof addr);
  int port = atoi(port_text);
  if (port <= 0 || port > 65535) usage();
  struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    addr_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    addr_len = sizeof *v6;
  } else {
    fprintf(stderr, "load: %s is not an IP address\n", host);
    exit(2);
  }
  source_count = sources;
  allow_files(sources + 16);
  epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) die("epoll_create1");
  for (long i = 0; i < sources; i++) {
    int fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (connect(fd, (struct sockaddr *)&addr, addr_len) < 0) die("connect");
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) die("epoll_ctl");
    sockets[i] = fd;
  }
}

/* The socket the next request or batch goes out from: each in turn. */
static int next_socket(void) {
  int fd = sockets[next_source];
  next_source = (next_source + 1) % source_count;
  return fd;
}

/* Buffers for one batch of replies. */
static char reply_buf[BATCH][MAX_REPLY];
static struct iovec reply_iov[BATCH];
static struct mmsghdr reply_msg[BATCH];

/* Reads what one socket has, into the reply buffers from `first` on. */
static int receive_from(int fd, int first) {
  for (int i = first; i < BATCH; i++) {
    reply_iov[i].iov_base = reply_buf[i];
    reply_iov[i].iov_len = MAX_REPLY;
    memset(&reply_msg[i].msg_hdr, 0, sizeof reply_msg[i].msg_hdr);
    reply_msg[i].msg_hdr.msg_iov = &reply_iov[i];
    reply_msg[i].msg_hdr.msg_iovlen = 1;
  }
  int n = recvmmsg(fd, reply_msg + first, BATCH - first, MSG_DONTWAIT, NULL);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    if (errno == ECONNREFUSED) {
      fprintf(stderr, "load: nothing listens on that port\n");
      exit(1);
    }
    die("recvmmsg");
  }
  return n < 0 ? 0 : n;
}

/* Reads up to BATCH waiting replies, from whichever sockets have some. */
static int receive_batch(void) {
  if (source_count == 1) return receive_from(sockets[0], 0);
  static struct epoll_event ready[BATCH];
  int count = epoll_wait(epoll_fd, ready, BATCH, 0);
  if (count < 0 && errno != EINTR) die("epoll_wait");
  int got = 0;
  for (int i = 0; i < count && got < BATCH; i++)
    got += receive_from(sockets[ready[i].data.u32], got);
  return got;
}

/* Waits until a reply is waiting on some socket, or `timeout_ns` passed. */
static void wait_readable(int64_t timeout_ns) {
  struct pollfd p = {.fd = source_count == 1 ? sockets[0] : epoll_fd,
                     .events = POLLIN};
  if (timeout_ns < 0) timeout_ns = 0;
  struct timespec ts = {.tv_sec = timeout_ns / 1000000000LL,
                        .tv_nsec = timeout_ns % 1000000000LL};
  ppoll(&p, 1, &ts, NULL);
}

static int throughput(const struct options *o) {
  size_t prefix_len = strlen(o->prefix);
  static char send_buf[BATCH][PAYLOAD_LEN + 1];
  static struct iovec send_iov[BATCH];
  static struct mmsghdr send_msg[BATCH];
  uint32_t next_seq = 0, lost_below = 0;
  long in_flight = 0, sent = 0, replies = 0, measured = 0, bad = 0, late = 0,
       lost = 0;
  int64_t start = now_ns();
  int64_t measure_from = start + (int64_t)(o->warmup * 1e9);
  int64_t stop_at = measure_from + (int64_t)(o->seconds * 1e9);
  int64_t last_progress = start;
  int64_t now = start;
  while (now < stop_at && (o->count <= 0 || replies < o->count)) {
    long room = o->window - in_flight;
    if (o->count > 0 && room > o->count - replies - in_flight)
      room = o->count - replies - in_flight;
    if (room > BATCH) room = BATCH;
    if (room > 0) {
      for (long i = 0; i < room; i++) {
        fill_payload(send_buf[i], next_seq + (uint32_t)i);
        send_iov[i].iov_base = send_buf[i];
        send_iov[i].iov_len = PAYLOAD_LEN;
        memset(&send_msg[i].msg_hdr, 0, sizeof send_msg[i].msg_hdr);
        send_msg[i].msg_hdr.msg_iov = &send_iov[i];
        send_msg[i].msg_hdr.msg_iovlen = 1;
      }
      int n = sendmmsg(next_socket(), send_msg, (unsigned)room, MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
          errno != ECONNREFUSED && errno != ENOBUFS)
        die("sendmmsg");
      if (n > 0) {
        next_seq += (uint32_t)n;
        in_flight += n;
        sent += n;
      }
    }
    int got = receive_batch();
    now = now_ns();
    for (int i = 0; i < got; i++) {
      int64_t seq = check_reply(reply_buf[i], reply_msg[i].msg_len, o,
                                prefix_len);
      if (seq == -1) {
        bad++;
        in_flight--;
      } else if (seq == UNNUMBERED ? in_flight <= 0
                                   : (uint32_t)seq < lost_below) {
        late++;
      } else {
        in_flight--;
        replies++;
        if (now >= measure_from && now < stop_at) measured++;
      }
    }
    if (got > 0) {
      last_progress = now;
    } else if (in_flight >= o->window || room <= 0) {
      if (now - last_progress > STALL_NS) {
        lost += in_flight;
        in_flight = 0;
        lost_below = next_seq;
        last_progress = now;
      } else {
        wait_readable(1000000);
        now = now_ns();
      }
    }
  }
  double seconds = (double)(now - measure_from) / 1e9;
  if (seconds > o->seconds) seconds = o->seconds;
  if (seconds <= 0) seconds = (double)(now - start) / 1e9;
  printf("{\"mode\":\"throughput\",\"window\":%ld,\"sources\":%ld,"
         "\"sent\":%ld,\"replies\":%ld,"
         "\"measured\":%ld,\"seconds\":%.4f,\"per_second\":%.1f,\"bad\":%ld,"
         "\"late\":%ld,\"lost\":%ld}\n",
         o->window, source_count, sent, replies, measured, seconds,
         seconds > 0 ? measured / seconds : 0.0, bad, late, lost);
  return 0;
}

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int latency(const struct options *o) {
  size_t prefix_len = strlen(o->prefix);
  long count = o->count;
  int64_t *sent_at = calloc((size_t)count, sizeof *sent_at);
  int64_t *rtt = calloc((size_t)count, sizeof *rtt);
  if (!sent_at || !rtt) die("calloc");
  int64_t interval = (int64_t)(1e9 / o->rate);
  long received = 0, bad = 0;
  char payload[PAYLOAD_LEN + 1];
  int64_t start = now_ns(), next = start, last_send = start;
  long i = 0, oldest = 0; /* oldest: the first request maybe unanswered */
  for (;;) {
    int64_t now = now_ns();
    if (i < count && now >= next) {
      fill_payload(payload, (uint32_t)i);
      sent_at[i] = now_ns();
      if (send(next_socket(), payload, PAYLOAD_LEN, MSG_DONTWAIT) < 0 &&
          errno != ECONNREFUSED)
        die("send");
      last_send = sent_at[i];
      i++;
      next += interval;
      continue;
    }
    if (i >= count && (received >= count || now - last_send > DRAIN_NS)) break;
    int got = receive_batch();
    int64_t at = now_ns();
    for (int k = 0; k < got; k++) {
      int64_t seq = check_reply(reply_buf[k], reply_msg[k].msg_len, o,
                                prefix_len);
      if (seq == UNNUMBERED) {
        while (oldest < i && rtt[oldest] != 0) oldest++;
        seq = oldest < i ? oldest : -1;
      }
      if (seq < 0 || seq >= i || rtt[seq] != 0) {
        bad++;
        continue;
      }
      rtt[seq] = at - sent_at[seq];
      if (rtt[seq] == 0) rtt[seq] = 1;
      received++;
    }
    if (got == 0) {
      int64_t until = i < count ? next : last_send + DRAIN_NS;
      wait_readable(until - now_ns());
    }
  }
  int64_t *done = calloc((size_t)(received > 0 ? received : 1), sizeof *done);
  long n = 0;
  for (long k = 0; k < count; k++)
    if (rtt[k] != 0) done[n++] = rtt[k];
  qsort(done, (size_t)n, sizeof *done, compare_i64);
  double p50 = n ? done[(n - 1) * 50 / 100] / 1000.0 : -1;
  double p99 = n ? done[(n - 1) * 99 / 100] / 1000.0 : -1;
  double max = n ? done[n - 1] / 1000.0 : -1;
  printf("{\"mode\":\"latency\",\"rate\":%.0f,\"sources\":%ld,"
         "\"sent\":%ld,\"replies\":%ld,"
         "\"bad\":%ld,\"lost\":%ld,\"p50_us\":%.1f,\"p99_us\":%.1f,"
         "\"max_us\":%.1f}\n",
         o->rate, source_count, count, n, bad, count - n, p50, p99, max);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) usage();
  struct options o = {.seconds = 1.0, .warmup = 0.2, .rate = 2000,
                      .window = 64, .count = 0, .sources = DEFAULT_SOURCES,
                      .expect = EXPECT_ECHO,
                      .prefix = "OK..."};
  for (int i = 4; i < argc; i++) {
    if (i + 1 >= argc) usage();
    const char *name = argv[i], *value = argv[++i];
    if (!strcmp(name, "--seconds")) o.seconds = atof(value);
    else if (!strcmp(name, "--warmup")) o.warmup = atof(value);
    else if (!strcmp(name, "--window")) o.window = atol(value);
    else if (!strcmp(name, "--count")) o.count = atol(value);
    else if (!strcmp(name, "--rate")) o.rate = atof(value);
    else if (!strcmp(name, "--prefix")) o.prefix = value;
    else if (!strcmp(name, "--sources")) o.sources = atol(value);
    else if (!strcmp(name, "--expect")) {
      if (!strcmp(value, "echo")) o.expect = EXPECT_ECHO;
      else if (!strcmp(value, "hello")) o.expect = EXPECT_HELLO;
      else if (!strcmp(value, "size")) o.expect = EXPECT_SIZE;
      else if (!strcmp(value, "time")) o.expect = EXPECT_TIME;
      else usage();
    }
    else usage();
  }
  if (!(o.seconds > 0 && o.seconds <= MAX_SECONDS) || o.warmup < 0 ||
      o.warmup > MAX_SECONDS || o.window < 1 || o.window > 4096 || o.count < 0 ||
      !(o.rate >= 1 && o.rate <= 1e6) || o.sources < 1 ||
      o.sources > MAX_SOURCES)
    usage();
  open_sockets(argv[2], argv[3], o.sources);
  if (!strcmp(argv[1], "throughput")) return throughput(&o);
  if (!strcmp(argv[1], "latency")) {
    if (o.count <= 0) o.count = 1000;
    if (o.count > 1000000 || o.count / o.rate > MAX_SECONDS) usage();
    return latency(&o);
  }
  usage();
}
