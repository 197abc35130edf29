/**
 * @title "Your data was N bytes" server, the core
 * @run -N --unstable-net <url> [port]
 *
 * Answers each datagram with its size, as the simple server of a 2015 blog
 * post on Python UDP sockets does. size_client.ts and improved_client.ts talk
 * to it.
 */

// One call creates the UDP socket and binds it. 127.0.0.1 keeps it on this
// machine; port 0 picks a free port.
const port = Number(Deno.args[0] ?? 6666);
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port,
});
const addr = conn.addr as Deno.NetAddr;
console.log(`size server listening on ${addr.hostname}:${addr.port}`);

// A payload may hold terminal escapes or bidi controls: decode it, then show
// every control and format character as an escape, in one plain line.
function printable(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  return text.replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

// Each datagram comes with its sender's address, where the reply goes.
// data.length counts bytes, as Python's len() of bytes does: "déjà vu" is 9.
for await (const [data, from] of conn) {
  const sender = from as Deno.NetAddr;
  console.log(
    `The client at ${sender.hostname}:${sender.port} says: ${printable(data)}`,
  );
  const reply = `Your data was ${data.length} bytes`;
  await conn.send(new TextEncoder().encode(reply), from);
}
