#!/usr/bin/env python3
"""Record the UDP datagrams to one port, and the group membership reports,
that go out of (or come in on) one network interface.

The multicast tests run it as root inside a network namespace they made, on
the namespace's end of a veth link, to see what really left through it: an
interface's transmit counter also counts the kernel's own traffic (IGMP,
neighbour discovery), so it cannot tell a datagram from the rest.

  _packets.py --iface veth-a --port 5007 [--direction out|in|both] [--seconds 30]

(--port 0 records UDP datagrams to any port.)

It opens a packet socket on the interface, prints "capturing" on stderr once
it is listening, and records until SIGTERM or SIGINT, or --seconds at most.
Then it prints one JSON line:

  {"datagrams": [{"source": "192.0.2.1", "destination": "239.255.0.1",
                  "ttl": 1, "bytes": 17}, ...],
   "reports": [{"kind": "IGMPv3 report"}, ...]}

"ttl" is the IPv4 TTL or the IPv6 hop limit. Only the standard library is
used; it needs CAP_NET_RAW (root).
"""

import argparse
import ipaddress
import json
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
MAX_RECORDS = 200

IGMP_KINDS = {0x11: "IGMP query", 0x16: "IGMPv2 report", 0x17: "IGMP leave",
              0x22: "IGMPv3 report"}
MLD_KINDS = {130: "MLD query", 131: "MLDv1 report", 132: "MLD done",
             143: "MLDv2 report"}


class Stop(Exception):
    """Raised by a signal: the recording is over."""


def stop(signum, frame):
    raise Stop()


def ipv6_payload(packet):
    """The next header and the payload of an IPv6 packet, past the hop-by-hop
    options that MLD reports carry."""
    next_header, at = packet[6], 40
    while next_header == 0 and len(packet) >= at + 8:  # hop-by-hop options
        next_header, length = packet[at], (packet[at + 1] + 1) * 8
        at += length
    return next_header, packet[at:]


def record(packet, port, datagrams, reports):
    """Adds the packet to what was seen, if it is one of the kinds wanted."""
    if len(packet) < 20:
        return
    version = packet[0] >> 4
    if version == 4:
        header_length = (packet[0] & 0x0F) * 4
        protocol, ttl = packet[9], packet[8]
        source = socket.inet_ntoa(packet[12:16])
        destination = socket.inet_ntoa(packet[16:20])
        payload = packet[header_length:]
        if protocol == 2 and payload:
            reports.append({"kind": IGMP_KINDS.get(payload[0], "IGMP")})
            return
    elif version == 6 and len(packet) >= 40:
        ttl = packet[7]
        source = str(ipaddress.IPv6Address(packet[8:24]))
        destination = str(ipaddress.IPv6Address(packet[24:40]))
        protocol, payload = ipv6_payload(packet)
        if protocol == 58 and payload and payload[0] in MLD_KINDS:
            reports.append({"kind": MLD_KINDS[payload[0]]})
            return
    else:
        return
    if protocol != socket.IPPROTO_UDP or len(payload) < 8:
        return
    destination_port, length = struct.unpack("!HH", payload[2:6])
    if port not in (0, destination_port) or len(datagrams) >= MAX_RECORDS:
        return
    datagrams.append({"source": source, "destination": destination,
                      "ttl": ttl, "bytes": length - 8})


def main():
    parser = argparse.ArgumentParser(
        prog="_packets.py",
        description="Record UDP datagrams to a port, and IGMP/MLD reports, on one interface (root).",
    )
    parser.add_argument("--iface", required=True, help="the interface, such as veth-a")
    parser.add_argument("--port", type=int, required=True,
                        help="the UDP destination port, 0 for any")
    parser.add_argument("--direction", choices=["out", "in", "both"], default="out",
                        help="what to record: sent out of the interface (default), received, or both")
    parser.add_argument("--seconds", type=float, default=30,
                        help="stop after this long if no signal came (default 30)")
    args = parser.parse_args()

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    sock.bind((args.iface, 0))
    datagrams, reports = [], []
    deadline = time.monotonic() + args.seconds

    def take(packet, protocol, kind):
        if protocol not in (ETH_P_IP, ETH_P_IPV6):
            return
        outgoing = kind == PACKET_OUTGOING
        if args.direction == "out" and not outgoing:
            return
        if args.direction == "in" and outgoing:
            return
        record(packet, args.port, datagrams, reports)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        print("capturing", file=sys.stderr, flush=True)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([sock], [], [], left)
            if ready:
                packet, (_, protocol, kind, _, _) = sock.recvfrom(65536)
                take(packet, protocol, kind)
    except Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What came before the end is recorded, even if it was not read yet.
    sock.setblocking(False)
    try:
        while True:
            packet, (_, protocol, kind, _, _) = sock.recvfrom(65536)
            take(packet, protocol, kind)
    except BlockingIOError:
        pass
    sock.close()
    print(json.dumps({"datagrams": datagrams, "reports": reports}))


if __name__ == "__main__":
    main()
