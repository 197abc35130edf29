"""A stand-in DNS server for the tests of scripts/dns_client.ts.

It answers on loopback only, the way MODE says: honestly, after a forgery,
from the wrong port, not at all, or with a hostile reply. The answer gives
192.0.2.1 for the question asked; every forgery gives 198.51.100.66. It
prints one ready line, then one line per query with the time it came and its
source port, and ends by itself after 20 s or 20 queries.

Run:  python3 tests/scripts/_dns_standin.py MODE [HOST]
"""
import socket
import struct
import sys
import time

MODES = (
    "answer", "forged-id", "wrong-port", "other-question", "flood", "dense",
    "drop-2",
    "silent", "tc", "loop", "past-end", "counts", "label-64", "name-256",
)


ANSWER = bytes([192, 0, 2, 1])
FORGED = bytes([198, 51, 100, 66])


def reply(query, flags=0x8180, an=1, answer=None, question=None, address=ANSWER):
    """A reply to `query`: its ID, its question (or another), one answer."""
    (qid,) = struct.unpack(">H", query[:2])
    question = question if question is not None else query[12:]
    if answer is None:
        # The name is a pointer (0xc00c) to the question's name at byte 12.
        answer = bytes.fromhex("c00c") + struct.pack(">HHIH", 1, 1, 300, 4)
        answer += address
    header = struct.pack(">HHHHHH", qid, flags, 1, an, 0, 0)
    return header + question + answer


def fixed(rdata_type=1, rdata=b"\xc0\x00\x02\x01"):
    """The fixed part of a record after its name: type, IN, TTL, data."""
    return struct.pack(">HHIH", rdata_type, 1, 300, len(rdata)) + rdata


def hostile(mode, query):
    """A reply with the right ID and question, broken as MODE says."""
    at = len(query)  # where the answer's name starts
    if mode == "loop":  # a pointer to itself
        return reply(query, answer=struct.pack(">H", 0xC000 | at) + fixed())
    if mode == "past-end":  # a pointer to byte 16383
        return reply(query, answer=bytes.fromhex("ffff") + fixed())
    if mode == "counts":  # 65,535 answers promised, one given
        return reply(query, an=65535)
    if mode == "label-64":
        name = bytes([64]) + b"a" * 64 + b"\0"
        return reply(query, answer=name + fixed())
    if mode == "name-256":  # four labels of 63 bytes and one of 1: 259 bytes
        name = (bytes([63]) + b"a" * 63) * 4 + b"\x01a\0"
        return reply(query, answer=name + fixed())
    raise ValueError(mode)


def main():
    mode = sys.argv[1]
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    if mode not in MODES:
        sys.exit(f"unknown mode {mode}; one of {', '.join(MODES)}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family, socket.SOCK_DGRAM)
    server.bind((host, 0))
    other = socket.socket(family, socket.SOCK_DGRAM)  # another port
    other.bind((host, 0))
    server.settimeout(1)
    port = server.getsockname()[1]
    print(f"stand-in {mode} listening on {host}:{port}", flush=True)
    started = time.monotonic()
    queries = 0
    while time.monotonic() - started < 20 and queries < 20:
        try:
            query, client = server.recvfrom(65535)
        except socket.timeout:
            continue
        queries += 1
        print(
            f"query {queries} at {time.monotonic():.4f} from port {client[1]}",
            flush=True,
        )
        if mode == "silent" or (mode == "drop-2" and queries <= 2):
            continue
        if mode == "forged-id":
            forged = bytearray(reply(query, address=FORGED))
            forged[1] ^= 1  # another ID
            server.sendto(bytes(forged), client)
        elif mode == "wrong-port":
            other.sendto(reply(query, address=FORGED), client)
        elif mode == "other-question":
            question = b"\x05other\x04test\0" + query[-4:]
            server.sendto(reply(query, question=question, address=FORGED), client)
        elif mode == "flood":  # 300 forgeries over 1.5 s, then the answer
            forged = bytearray(reply(query, address=FORGED))
            forged[1] ^= 1
            for _ in range(300):
                server.sendto(bytes(forged), client)
                time.sleep(0.005)
        elif mode == "dense":  # forgeries as fast as it can for 1.6 s
            forged = bytearray(reply(query, address=FORGED))
            forged[1] ^= 1
            until = time.monotonic() + 1.6
            while time.monotonic() < until:
                server.sendto(bytes(forged), client)
            time.sleep(0.1)  # the client drains them: the answer then fits
        if mode == "tc":  # truncated: the header and the question only
            server.sendto(reply(query, flags=0x8380, an=0, answer=b""), client)
        elif mode in ("loop", "past-end", "counts", "label-64", "name-256"):
            server.sendto(hostile(mode, query), client)
        else:
            server.sendto(reply(query), client)


main()
