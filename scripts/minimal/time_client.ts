/**
 * @title RFC 868 time client, the core
 * @run -N --unstable-net <url> [port]
 *
 * Asks a time server (time_server.ts, or any RFC 868 server over UDP) for the
 * time and prints it, as the client of a Jupyter notebook on UDP servers does.
 */

// The client's socket is made by the same call as a server's, on port 0: the
// system picks a free port. RFC 868 asks for an empty datagram.
const port = Number(Deno.args[0] ?? 12345);
const server = { transport: "udp" as const, hostname: "127.0.0.1", port };
const conn = Deno.listenDatagram({ ...server, port: 0 });
await conn.send(new Uint8Array(), server);

// UDP may lose the request or the reply, and then no reply ever comes: a
// timer ends the program with a clear line if none has come within 5 s.
const timer = setTimeout(() => {
  console.error(`no reply from 127.0.0.1:${port} within 5 s; is it running?`);
  Deno.exit(1);
}, 5000);
const [reply] = await conn.receive();
clearTimeout(timer);
conn.close();

// A time is exactly 4 bytes; anything else is not one.
if (reply.length !== 4) {
  console.error(`expected 4 bytes, got ${reply.length}: not an RFC 868 time`);
  Deno.exit(1);
}

// The 4 bytes count seconds since 1900, modulo 2^32: the count wraps to 0 in
// 2036. A count below 2^31 would be before 1968: read it as after the wrap,
// so every date from 1968 to 2104 comes out right.
let seconds = new DataView(reply.buffer, reply.byteOffset).getUint32(0);
if (seconds < 2 ** 31) seconds += 2 ** 32;
const date = new Date((seconds - 2_208_988_800) * 1000);

// Print it as Python's time.ctime() does, in local time:
// "Sun Mar 20 09:29:09 2016".
const [weekday, month, day, year, clock] = date.toString().split(" ");
console.log(`${weekday} ${month} ${day.replace(/^0/, " ")} ${clock} ${year}`);
