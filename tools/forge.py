#!/usr/bin/env python3
"""Forge UDP datagrams from any source, and count UDP datagrams on a link.

UDP's source address is whatever the sender writes in it. The hardening
tests use this tool to send datagrams "from" one of our servers, from a
broadcast address or from thousands of multicast addresses, and to count
what the servers send back, as root, on loopback or inside a network
namespace the test made. It refuses any other destination.

  forge.py send --from 127.0.0.1:5000 --to 127.0.0.1:8888 [--text hi]
  forge.py send --from 224.0.0.1:1024 --to 127.0.0.1:8888 --count 50000 \\
      --distinct-sources [--rate 20000]
  forge.py sniff --iface lo --between 5000 8888 [--seconds 60]
  forge.py sniff --iface veth-b --from-port 8888
  forge.py sniff --iface lo --port 5000

`send` builds the IPv4 and UDP headers itself (a raw socket with
IP_HDRINCL), computes the UDP checksum, and prints one JSON line:
{"sent": N, "seconds": S}.

`sniff` opens a packet socket on one interface, prints "sniffing" on stderr
once it is listening, and counts each IPv4 UDP datagram that arrives there
(a datagram looped back on lo is counted once, as it comes in) until SIGTERM
or SIGINT, or --seconds at most. Then it prints one JSON line:
{"packets": N, "lastAt": S, "samples": ["127.0.0.1:5000 > 127.0.0.1:8888 5
bytes", ...]}, where lastAt is when the last one came, in seconds from the
start.

Both need root (CAP_NET_RAW). Only the standard library is used.
"""

import argparse
import errno
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
MAX_SAMPLES = 8
MAX_PAIRS = 64
# The network namespaces the tests make (tests/interop/_tools.ts) are named so.
NAMESPACE_PREFIX = "udpdeno-"


def endpoint(text):
    """Parses IPV4:PORT."""
    host, sep, port = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not IPV4:PORT")
    try:
        address = ipaddress.IPv4Address(host)
        number = int(port)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port {number} is not 0-65535")
    return address, number


def checksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def datagram(source, source_port, destination, destination_port, payload):
    """An IPv4 packet holding one UDP datagram, checksums included."""
    length = 8 + len(payload)
    pseudo = source.packed + destination.packed + struct.pack("!BBH", 0, 17, length)
    header = struct.pack("!HHHH", source_port, destination_port, length, 0)
    udp_sum = checksum(pseudo + header + payload) or 0xFFFF
    udp = struct.pack("!HHHH", source_port, destination_port, length, udp_sum)
    # The kernel fills in the IP checksum and, as the ID is 0, an ID.
    ip = struct.pack(
        "!BBHHHBBH4s4s",
        0x45, 0, 20 + length, 0, 0, 64, socket.IPPROTO_UDP, 0,
        source.packed, destination.packed,
    )
    return ip + udp + payload


def payload_of(args):
    if args.hex is not None:
        return bytes.fromhex(args.hex)
    return args.text.encode()


def test_namespace():
    """The name of the namespace made by `ip netns add` this runs in, if any."""
    here = os.stat("/proc/self/ns/net")
    try:
        names = os.listdir("/run/netns")
    except OSError:
        return None
    for name in names:
        there = os.stat(f"/run/netns/{name}")
        if (there.st_dev, there.st_ino) == (here.st_dev, here.st_ino):
            return name
    return None


def send(args):
    (source, source_port), (destination, destination_port) = args.source, args.to
    in_test_namespace = (test_namespace() or "").startswith(NAMESPACE_PREFIX)
    if not destination.is_loopback and not in_test_namespace:
        sys.exit(
            f"forge.py: {destination} is not a loopback address; forged datagrams "
            f"go to 127.0.0.0/8, or anywhere inside a {NAMESPACE_PREFIX}* network "
            "namespace a test made"
        )
    payload = payload_of(args)
    if len(payload) > 65507:
        sys.exit("forge.py: a UDP payload is at most 65507 bytes")
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    packet = datagram(source, source_port, destination, destination_port, payload)
    sent = 0
    started = time.monotonic()
    deadline = started + args.max_seconds
    try:
        for i in range(args.count):
            if args.distinct_sources:
                # A new address and a new port for each datagram.
                address = ipaddress.IPv4Address((int(source) + i) % 2**32)
                port = 1024 + (source_port - 1024 + i) % (65536 - 1024)
                packet = datagram(address, port, destination, destination_port, payload)
            try:
                raw.sendto(packet, (str(destination), 0))
            except OSError as error:
                if error.errno not in (errno.ENOBUFS, errno.EAGAIN):
                    raise
                time.sleep(0.001)  # the queue is full: wait, then one retry
                raw.sendto(packet, (str(destination), 0))
            sent += 1
            if args.rate and sent % 100 == 0:
                ahead = started + sent / args.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            if time.monotonic() > deadline:
                break
    finally:
        raw.close()
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - started, 3)}))


class Stop(Exception):
    """Raised by a signal: the count is over."""


def stop(signum, frame):
    raise Stop()


class Count:
    """The datagrams counted so far."""

    def __init__(self, ports, from_port, port):
        self.ports = ports
        self.from_port = from_port
        self.port = port
        self.started = time.monotonic()
        self.packets = 0
        self.last_at = None
        self.samples = []
        self.pairs = {}

    def add(self, packet, kind):
        if kind == PACKET_OUTGOING or len(packet) < 28:
            return
        header_length = (packet[0] & 0x0F) * 4
        if packet[0] >> 4 != 4 or packet[9] != socket.IPPROTO_UDP:
            return
        source_port, destination_port, length = struct.unpack(
            "!HHH", packet[header_length:header_length + 6]
        )
        if self.ports and not {source_port, destination_port} <= self.ports:
            return
        if self.from_port is not None and source_port != self.from_port:
            return
        if self.port is not None and self.port not in (source_port, destination_port):
            return
        self.packets += 1
        self.last_at = round(time.monotonic() - self.started, 3)
        pair = f"{source_port}>{destination_port}"
        if pair in self.pairs:
            self.pairs[pair]["packets"] += 1
            self.pairs[pair]["lastAt"] = self.last_at
        elif len(self.pairs) < MAX_PAIRS:
            self.pairs[pair] = {
                "packets": 1, "firstAt": self.last_at, "lastAt": self.last_at,
            }
        if len(self.samples) < MAX_SAMPLES:
            source = socket.inet_ntoa(packet[12:16])
            destination = socket.inet_ntoa(packet[16:20])
            self.samples.append(
                f"{source}:{source_port} > {destination}:{destination_port} "
                f"{length - 8} bytes"
            )


def sniff(args):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((args.iface, 0))
    count = Count(set(args.between or []), args.from_port, args.port)
    deadline = count.started + args.seconds
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        print("sniffing", file=sys.stderr, flush=True)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([sock], [], [], left)
            if ready:
                packet, (_, _, kind, _, _) = sock.recvfrom(65536)
                count.add(packet, kind)
    except Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What arrived before the end is counted, even if this process had no
    # time to read it yet (a busy machine).
    sock.setblocking(False)
    drain_until = time.monotonic() + 2
    try:
        while time.monotonic() < drain_until:
            packet, (_, _, kind, _, _) = sock.recvfrom(65536)
            count.add(packet, kind)
    except BlockingIOError:
        pass
    sock.close()
    print(json.dumps({
        "packets": count.packets,
        "lastAt": count.last_at,
        "samples": count.samples,
        "pairs": count.pairs,
    }))


def main():
    parser = argparse.ArgumentParser(
        prog="forge.py",
        description="Forge UDP datagrams and count them (root; loopback or test namespaces only).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    sender = commands.add_parser("send", help="send forged UDP datagrams")
    sender.add_argument("--from", dest="source", type=endpoint, required=True,
                        help="the forged source, IPV4:PORT")
    sender.add_argument("--to", type=endpoint, required=True,
                        help="the destination, IPV4:PORT")
    what = sender.add_mutually_exclusive_group()
    what.add_argument("--text", default="forged", help="the payload as text")
    what.add_argument("--hex", help="the payload as hex digits")
    sender.add_argument("--count", type=int, default=1, help="how many to send")
    sender.add_argument("--distinct-sources", action="store_true",
                        help="count up the source address and port for each one")
    sender.add_argument("--rate", type=float, default=0,
                        help="at most this many a second (default: as fast as possible)")
    sender.add_argument("--max-seconds", type=float, default=30,
                        help="stop after this long whatever the count (default 30)")
    sender.set_defaults(run=send)

    sniffer = commands.add_parser("sniff", help="count UDP datagrams on an interface")
    sniffer.add_argument("--iface", required=True, help="the interface, such as lo")
    sniffer.add_argument("--seconds", type=float, default=60,
                         help="stop after this long if no signal came (default 60)")
    which = sniffer.add_mutually_exclusive_group()
    which.add_argument("--between", type=int, nargs=2, metavar="PORT",
                       help="count only datagrams whose two ports are these")
    which.add_argument("--from-port", type=int,
                       help="count only datagrams sent from this port")
    which.add_argument("--port", type=int,
                       help="count only datagrams sent from or to this port")
    sniffer.set_defaults(run=sniff)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
