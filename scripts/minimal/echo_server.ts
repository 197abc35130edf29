/**
 * @title UDP echo server, the core
 * @run -N --unstable-net <url> [port]
 *
 * Answers every datagram with `OK...` and the same bytes, as the echo server
 * of "Programming udp sockets in python" (binarytides) does. Talk to it with
 * echo_client.ts, or with `nc -u 127.0.0.1 8888`.
 */

// A UDP server needs no listen() and no accept(): one call creates the socket
// and binds it. 127.0.0.1 keeps it on this machine; port 0 picks a free port.
const port = Number(Deno.args[0] ?? 8888);
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port,
});
const addr = conn.addr as Deno.NetAddr;
console.log(`echo server listening on ${addr.hostname}:${addr.port}`);

// A datagram may hold terminal escapes or bidi controls. Decode it, drop the
// trailing line break as the original did, and show every control and format
// character as an escape, so that what is printed is one plain line.
function printable(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).trimEnd();
  return text.replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

// Each datagram comes with its sender's address: the reply goes there. It is
// "OK..." and the payload's bytes, never decoded, so invalid UTF-8 comes back
// exactly, and an empty datagram (which stopped the original) gets "OK...".
const prefix = new TextEncoder().encode("OK...");
for await (const [data, from] of conn) {
  await conn.send(new Uint8Array([...prefix, ...data]), from);
  const sender = from as Deno.NetAddr;
  console.log(
    `Message[${sender.hostname}:${sender.port}] - ${printable(data)}`,
  );
}
