/**
 * @title UDP broadcast sender, the core
 * @run -N --unstable-net <url> [port] [message…]
 *
 * Sends one datagram to a broadcast address, for every listener on that
 * network to hear, as the broadcast client of a 2015 blog post on Python UDP
 * sockets does. broadcast_listener.ts hears it.
 */

// The message comes after the port. The sender's socket is made by the same
// call as a server's, on port 0, where the system picks a free port.
const port = Number(Deno.args[0] ?? 6666);
const message = Deno.args.slice(1).join(" ") || "Broadcast message";
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});

// 127.255.255.255 is this machine's own broadcast address: the datagram never
// leaves it. A LAN's is its network with every host bit set (192.168.1.255).
// Python needs SO_BROADCAST first; a Deno socket may broadcast as it is.
const to = { transport: "udp" as const, hostname: "127.255.255.255", port };
await conn.send(new TextEncoder().encode(message), to);
console.log(`Sent ${JSON.stringify(message)} to 127.255.255.255:${port}`);
conn.close();
