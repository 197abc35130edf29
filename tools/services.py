#!/usr/bin/env python3
"""Play an ordinary UDP service that answers whatever it is sent.

The hardening tests aim one forged datagram at one of our servers, "from"
one of these services, and count how long the two go on answering each
other. Each kind is a service someone could run, written by someone else:

  constant   answers every datagram with "pong\\n"
  dns        a DNS server that answers anything with FORMERR (RFC 1035): a
             12-byte header, the request's ID (its first two bytes), QR set,
             RD copied, RCODE 1
  chargen    answers with one chargen line (RFC 864's pattern, 72
             characters and CR LF), on whatever port it is given
  echo       sends every datagram back as it came (RFC 862)
  upper      sends it back upper-cased (ASCII letters)
  slow-echo  sends it back 1.1 s later

  services.py KIND --host 127.0.0.1 --port 40000 [--seconds 30]

It binds HOST:PORT, prints "serving KIND on HOST:PORT" on stderr once it
listens, and answers until SIGTERM or SIGINT, or --seconds at most (30 by
default). Then it prints one JSON line on stdout: {"received": N,
"answered": N}. It only answers: it never sends first. Only the standard
library is used; a port below 1024 needs root.
"""

import argparse
import heapq
import json
import select
import signal
import socket
import sys
import time

CHARGEN_LINE = bytes(range(33, 33 + 72)) + b"\r\n"
SLOW_ECHO_SECONDS = 1.1
# A slow echo holds what it will send back; at most this many at a time.
MAX_HELD = 1000


def formerr(request):
    """A DNS header answering `request` with FORMERR, as a DNS server does."""
    ident = (request + b"\0\0")[:2]
    rd = request[2] & 0x01 if len(request) > 2 else 0
    return ident + bytes([0x80 | rd, 0x01]) + bytes(8)


ANSWERS = {
    "constant": lambda data: b"pong\n",
    "dns": formerr,
    "chargen": lambda data: CHARGEN_LINE,
    "echo": lambda data: data,
    "upper": lambda data: data.upper(),
    "slow-echo": lambda data: data,
}


class Stop(Exception):
    """Raised by a signal: time to stop."""


def stop(signum, frame):
    raise Stop()


def serve(args):
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((args.host, args.port))
    answer = ANSWERS[args.kind]
    delay = SLOW_ECHO_SECONDS if args.kind == "slow-echo" else 0
    held = []  # (when, order, data, sender) for a slow echo
    received = answered = 0
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + args.seconds
    print(f"serving {args.kind} on {args.host}:{sock.getsockname()[1]}",
          file=sys.stderr, flush=True)
    try:
        while True:
            now = time.monotonic()
            while held and held[0][0] <= now:
                _, _, data, sender = heapq.heappop(held)
                sock.sendto(data, sender)
                answered += 1
            wait = deadline - now
            if held:
                wait = min(wait, held[0][0] - now)
            if now >= deadline:
                break
            ready, _, _ = select.select([sock], [], [], max(wait, 0))
            if not ready:
                continue
            data, sender = sock.recvfrom(65536)
            received += 1
            if delay:
                if len(held) < MAX_HELD:
                    heapq.heappush(held, (now + delay, received, data, sender))
                continue
            try:
                sock.sendto(answer(data), sender)
                answered += 1
            except OSError:
                pass  # too big to send, or no route: as a real service would
    except Stop:
        pass
    sock.close()
    print(json.dumps({"received": received, "answered": answered}), flush=True)


def main():
    parser = argparse.ArgumentParser(
        prog="services.py",
        description="Play a UDP service that answers anything it is sent.",
    )
    parser.add_argument("kind", choices=sorted(ANSWERS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=30,
                        help="stop after this long whatever happens (default 30)")
    args = parser.parse_args()
    serve(args)


if __name__ == "__main__":
    main()
