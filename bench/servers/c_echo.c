/*
 * c_echo.c: the plainest possible UDP echo loop, in C, as a yardstick.
 *
 *   c_echo HOST PORT [PREFIX]
 *
 * One blocking recvfrom and one sendto per datagram, the reply being PREFIX
 * (default "OK...") and the payload; no logging. Prints one ready line,
 * "c_echo listening on HOST:PORT", and runs until killed. The benchmark uses
 * it to show that load.c can drive a server faster than any Deno one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: c_echo HOST PORT [PREFIX]\n");
    return 2;
  }
  const char *prefix = argc > 3 ? argv[3] : "OK...";
  size_t prefix_len = strlen(prefix);
  struct sockaddr_storage addr;
  socklen_t addr_len;
  memset(&addr, 0, sizeof addr);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
  if (inet_pton(AF_INET, argv[1], &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((unsigned short)atoi(argv[2]));
    addr_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, argv[1], &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((unsigned short)atoi(argv[2]));
    addr_len = sizeof *v6;
  } else {
    fprintf(stderr, "c_echo: %s is not an IP address\n", argv[1]);
    return 2;
  }
  int fd = socket(addr.ss_family, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, addr_len) < 0) {
    perror("c_echo: bind");
    return 1;
  }
  getsockname(fd, (struct sockaddr *)&addr, &addr_len);
  int port = ntohs(addr.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  printf(addr.ss_family == AF_INET ? "c_echo listening on %s:%d\n"
                                   : "c_echo listening on [%s]:%d\n",
         argv[1], port);
  fflush(stdout);
  static char buf[65536 + 64];
  memcpy(buf, prefix, prefix_len);
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd, buf + prefix_len, sizeof buf - prefix_len, 0,
                         (struct sockaddr *)&from, &from_len);
    if (n < 0) continue;
    sendto(fd, buf, prefix_len + (size_t)n, 0, (struct sockaddr *)&from,
           from_len);
  }
}
