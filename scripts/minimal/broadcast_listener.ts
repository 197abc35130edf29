/**
 * @title UDP broadcast listener, the core
 * @run -N --unstable-net <url> [port]
 *
 * Prints every datagram that reaches its port, broadcasts included, and never
 * answers, as the broadcast server of a 2015 blog post on Python UDP sockets
 * does. broadcast_sender.ts sends to it.
 */

// A broadcast is sent to a whole network, not to one of this machine's
// addresses, and a socket bound to one address hears only what is sent to it.
// So this one binds 0.0.0.0, every IPv4 address; port 0 picks a free port.
const port = Number(Deno.args[0] ?? 6666);
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "0.0.0.0",
  port,
});
const addr = conn.addr as Deno.NetAddr;
console.log(`broadcast listener listening on ${addr.hostname}:${addr.port}`);

// Anyone on the network can send anything: decode each payload, then show
// every control and format character as an escape, in one plain line.
for await (const [data, from] of conn) {
  const text = new TextDecoder().decode(data).replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
  const sender = from as Deno.NetAddr;
  console.log(`The client at ${sender.hostname}:${sender.port} says: ${text}`);
}
