/*
 * terminal.c: how long a server's log line takes to show on a terminal
 * (Linux, C99).
 *
 *   terminal HOST [--count N] [--interval-ms M] [--timeout-ms T] -- COMMAND...
 *
 * Runs COMMAND on a new pseudo-terminal, as a shell in a terminal window
 * would, and reads the terminal's other side, as the window would. It waits
 * for the ready line ("... listening on HOST:PORT", colours allowed), then
 * sends N datagrams "terminal probe XXXXXXXX" (a hex number) from HOST to
 * that port, one every M milliseconds, and times each from just before its
 * send to the moment its text has been read from the terminal; a probe not
 * shown within T milliseconds counts as not shown. Then it types Ctrl-C and
 * waits for COMMAND to end (or kills it after 3 s).
 *
 * The result is one JSON object on stdout: how many probes were sent, shown
 * and answered, and the median, 90th percentile and worst time to show.
 * Every step is bounded in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT 10000
#define READY_TIMEOUT_MS 15000
#define STOP_TIMEOUT_MS 3000
#define KEEP 8192 /* bytes of terminal output kept for matching */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void) {
  fprintf(stderr, "usage: terminal HOST [--count N] [--interval-ms M]"
                  " [--timeout-ms T] -- COMMAND [ARGS...]\n");
  exit(2);
}

static void die(const char *what) {
  fprintf(stderr, "terminal: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* What the terminal has shown lately, to search for a probe's text. */
static char seen[KEEP + 1];
static size_t seen_len;

/* Reads what the terminal has to show, waiting at most `wait_ms`.
 * Returns 0 once the terminal is closed (COMMAND ended). */
static int read_terminal(int master, int wait_ms) {
  struct pollfd p = {.fd = master, .events = POLLIN};
  if (poll(&p, 1, wait_ms) <= 0) return 1;
  char chunk[4096];
  ssize_t n = read(master, chunk, sizeof chunk);
  if (n <= 0) return 0;
  if (seen_len + (size_t)n > KEEP) {
    size_t drop = seen_len + (size_t)n - KEEP;
    if (drop > seen_len) drop = seen_len;
    memmove(seen, seen + drop, seen_len - drop);
    seen_len -= drop;
  }
  size_t take = (size_t)n > KEEP ? KEEP : (size_t)n;
  memcpy(seen + seen_len, chunk + n - take, take);
  seen_len += take;
  seen[seen_len] = 0;
  return 1;
}

/* Finds "listening on HOST:PORT" in what was shown; returns PORT or 0. */
static int ready_port(void) {
  char *at = strstr(seen, "listening on ");
  if (!at) return 0;
  char *line_end = strpbrk(at, "\r\n");
  if (!line_end) return 0; /* the line is not complete yet */
  char *colon = NULL;
  for (char *c = at; c < line_end; c++)
    if (*c == ':') colon = c;
  if (!colon) return 0;
  int port = atoi(colon + 1);
  return port > 0 && port <= 65535 ? port : 0;
}

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int stop(pid_t child, int master) {
  (void)!write(master, "\x03", 1); /* Ctrl-C: SIGINT to the foreground */
  int64_t deadline = now_ns() + (int64_t)STOP_TIMEOUT_MS * 1000000;
  int status = 0;
  while (now_ns() < deadline) {
    if (waitpid(child, &status, WNOHANG) == child) return status;
    if (!read_terminal(master, 20)) usleep(10000);
  }
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  return status;
}

int main(int argc, char **argv) {
  if (argc < 4) usage();
  const char *host = argv[1];
  long count = 200, interval_ms = 10, timeout_ms = 1000;
  int i = 2;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (i + 1 >= argc) usage();
    const char *name = argv[i], *value = argv[++i];
    if (!strcmp(name, "--count")) count = atol(value);
    else if (!strcmp(name, "--interval-ms")) interval_ms = atol(value);
    else if (!strcmp(name, "--timeout-ms")) timeout_ms = atol(value);
    else usage();
  }
  if (i + 1 >= argc || count < 1 || count > MAX_COUNT || interval_ms < 0 ||
      interval_ms > 1000 || timeout_ms < 1 || timeout_ms > 10000)
    usage();
  char **command = argv + i + 1;

  struct sockaddr_in to = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
    fprintf(stderr, "terminal: %s is not an IPv4 address\n", host);
    return 2;
  }
  int master;
  pid_t child = forkpty(&master, NULL, NULL, NULL);
  if (child < 0) die("forkpty");
  if (child == 0) {
    execvp(command[0], command);
    fprintf(stderr, "terminal: cannot run %s: %s\n", command[0],
            strerror(errno));
    _exit(127);
  }

  int64_t ready_by = now_ns() + (int64_t)READY_TIMEOUT_MS * 1000000;
  int port = 0;
  while (!(port = ready_port())) {
    if (now_ns() > ready_by || !read_terminal(master, 50)) {
      fprintf(stderr, "terminal: no ready line; the terminal showed: %s\n",
              seen);
      stop(child, master);
      return 1;
    }
  }
  to.sin_port = htons((uint16_t)port);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in from = {.sin_family = AF_INET, .sin_addr = to.sin_addr};
  if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof from) < 0)
    die("socket");

  int64_t *shown = calloc((size_t)count, sizeof *shown);
  if (!shown) die("calloc");
  long shown_count = 0, replies = 0;
  for (long k = 0; k < count; k++) {
    char probe[64];
    int len = snprintf(probe, sizeof probe, "terminal probe %08lx", k);
    seen_len = 0;
    seen[0] = 0;
    int64_t sent = now_ns();
    if (sendto(fd, probe, (size_t)len, 0, (struct sockaddr *)&to, sizeof to) <
        0)
      die("sendto");
    int64_t give_up = sent + (int64_t)timeout_ms * 1000000;
    while (now_ns() < give_up) {
      if (!read_terminal(master, 1)) break;
      if (strstr(seen, probe)) {
        shown[shown_count++] = now_ns() - sent;
        break;
      }
    }
    char reply[2048];
    while (recv(fd, reply, sizeof reply, 0) >= 0) replies++;
    int64_t next = sent + (int64_t)interval_ms * 1000000;
    while (now_ns() < next) read_terminal(master, 1);
    while (recv(fd, reply, sizeof reply, 0) >= 0) replies++;
  }
  int status = stop(child, master);

  qsort(shown, (size_t)shown_count, sizeof *shown, compare_i64);
  double p50 = shown_count ? shown[(shown_count - 1) * 50 / 100] / 1000.0 : -1;
  double p90 = shown_count ? shown[(shown_count - 1) * 90 / 100] / 1000.0 : -1;
  double max = shown_count ? shown[shown_count - 1] / 1000.0 : -1;
  printf("{\"mode\":\"terminal\",\"sent\":%ld,\"shown\":%ld,\"replies\":%ld,"
         "\"p50_us\":%.1f,\"p90_us\":%.1f,\"max_us\":%.1f,\"exit\":%d}\n",
         count, shown_count, replies, p50, p90, max,
         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
