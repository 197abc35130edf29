/**
 * @title UDP multicast sender, the core
 * @run -N --unstable-net <url> [port] [message]
 *
 * Sends one datagram to the group 239.255.0.1 on this machine's loopback
 * interface, with a TTL of 0, so it never leaves the machine. Goes one step
 * beyond the broadcast pair of a 2015 blog post on Python UDP sockets;
 * multicast_listener.ts hears it.
 */

// The system sends a datagram to a group out of the interface that owns the
// socket's address: 127.0.0.1 is the loopback interface, which leads nowhere
// else. Port 0 lets the system pick the sender's own port.
const port = Number(Deno.args[0] ?? 5007);
const message = Deno.args[1] ?? "Multicast message";
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});

// Deno sets the TTL through a membership of the group: join, set it, leave.
// The TTL stays with the socket. 0 keeps the datagram on this machine; 1
// would reach the network beyond the interface.
const group = "239.255.0.1";
const membership = await conn.joinMulticastV4(group, "127.0.0.1");
await membership.setTTL(0);
await membership.leave();

// Nobody answers a multicast: send, and that is all.
const to = { transport: "udp" as const, hostname: group, port };
await conn.send(new TextEncoder().encode(message), to);
console.log(`Sent ${JSON.stringify(message)} to ${group}:${port}`);
conn.close();
