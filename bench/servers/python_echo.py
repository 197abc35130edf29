"""The original echo server's loop, in Python 3, as a measurement target.

Usage: python3 python_echo.py HOST PORT [--no-print]

The loop is the one "Programming udp sockets in python" teaches: a blocking
recvfrom, a sendto of b"OK..." + data, and one print per message naming the
sender, with the payload stripped. Python 3 needs the payload decoded to
print it; errors="replace" keeps a stray byte from ending the run. With
--no-print the print is left out, to show what printing costs.

It prints one ready line, "python_echo listening on HOST:PORT", flushed at
once. After that, with stdout going to a file, Python collects the printed
lines in a buffer and writes them in blocks, as it would for the original;
with PYTHONUNBUFFERED=1 in the environment (common in container images) it
writes every print at once instead. The benchmark measures both.
"""

import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
quiet = "--no-print" in sys.argv[3:]

s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
print("python_echo listening on %s:%d" % (host, s.getsockname()[1]), flush=True)

if quiet:
    while True:
        data, addr = s.recvfrom(1024)
        if not data:
            break
        s.sendto(b"OK..." + data, addr)
else:
    while True:
        data, addr = s.recvfrom(1024)
        if not data:
            break
        s.sendto(b"OK..." + data, addr)
        print("Message[" + addr[0] + ":" + str(addr[1]) + "] - "
              + data.strip().decode("utf-8", "replace"))
s.close()
