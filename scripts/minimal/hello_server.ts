/**
 * @title "Hello, name" server, the core
 * @run -N --unstable-net <url> [port]
 *
 * Answers each name it receives with `Hello, NAME!`, as the UDP server of the
 * "UDP编程" chapter of Liao Xuefeng's Python tutorial does. hello_client.ts
 * talks to it.
 */

// One call creates the UDP socket and binds it: no listen(), no accept().
// 127.0.0.1 keeps it on this machine; port 0 picks a free port.
const port = Number(Deno.args[0] ?? 9999);
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port,
});
const addr = conn.addr as Deno.NetAddr;
console.log(`hello server listening on ${addr.hostname}:${addr.port}`);

// Any client can send at any time, with no connection: each datagram comes
// with its sender's address, which is logged and answered. The greeting is
// built around the name's bytes, never decoded, so a name in any encoding
// comes back exactly as it was sent.
const hello = new TextEncoder().encode("Hello, ");
for await (const [name, from] of conn) {
  const sender = from as Deno.NetAddr;
  console.log(`Received from ${sender.hostname}:${sender.port}.`);
  await conn.send(new Uint8Array([...hello, ...name, 0x21]), from); // 0x21 is "!"
}
