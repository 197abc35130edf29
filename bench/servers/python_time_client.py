"""A one-shot RFC 868 time client in Python 3, as a start-up yardstick.

Usage: python3 python_time_client.py HOST PORT

It does what the notebook's client does: send one datagram, check that the
reply is 4 bytes, and print the date with time.ctime(). Unlike the original it
waits at most 5 seconds.
"""

import socket
import struct
import sys
import time

SECONDS_1900_TO_1970 = 2208988800

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"", (host, port))
data, addr = s.recvfrom(1024)
if len(data) != 4:
    sys.exit("expected 4 bytes, got %d" % len(data))
print(time.ctime(struct.unpack("!I", data)[0] - SECONDS_1900_TO_1970))
