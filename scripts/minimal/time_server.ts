/**
 * @title RFC 868 time server, the core
 * @run -N --unstable-net <url> [port]
 *
 * Answers any datagram with the time in 4 bytes, as the time server of a
 * Jupyter notebook on UDP servers does (it answered with yesterday's time;
 * this one tells the real time). time_client.ts and `rdate` ask it.
 */

// One call creates the UDP socket and binds it. 127.0.0.1 keeps it on this
// machine (the original bound every interface); port 0 picks a free port.
const port = Number(Deno.args[0] ?? 12345);
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port,
});
const addr = conn.addr as Deno.NetAddr;
console.log(`time server listening on ${addr.hostname}:${addr.port}`);

// RFC 868 counts seconds since 1900, and Unix time since 1970: 2,208,988,800
// seconds apart. The count is sent as 4 bytes, most significant first, modulo
// 2^32 so that it still fits after it wraps in 2036.
const reply = new Uint8Array(4);
for await (const [, from] of conn) {
  const seconds = Math.floor(Date.now() / 1000) + 2_208_988_800;
  new DataView(reply.buffer).setUint32(0, seconds % 2 ** 32);
  await conn.send(reply, from);
  const sender = from as Deno.NetAddr;
  console.log(`Time requested by ${sender.hostname}:${sender.port}`);
}
