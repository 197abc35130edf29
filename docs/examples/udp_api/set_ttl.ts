/**
 * `membership.setTTL(n)` sets how many routers a multicast datagram from
 * this socket may cross: 0 keeps it on this machine, 1 (the system's
 * default) on the network of the interface. It sets the socket's option, so
 * it holds after `leave()`. IPv6 memberships have no `setTTL()`. Below, it
 * sends one datagram to 239.255.0.1:5007 from the interface whose address is
 * the first argument (127.0.0.1, the loopback interface, by default) with
 * the TTL given second (0 by default).
 *
 * Run:
 *   deno run -N --unstable-net docs/examples/udp_api/set_ttl.ts [address] [ttl]
 *
 * @module
 */
const group = "239.255.0.1";
const address = Deno.args[0] ?? "127.0.0.1";
const ttl = Number(Deno.args[1] ?? 0);
const sender = Deno.listenDatagram({
  transport: "udp",
  hostname: address,
  port: 0,
});
const membership = await sender.joinMulticastV4(group, address);
try {
  await membership.setTTL(256);
} catch (error) {
  console.log(`setTTL(256): ${error}`);
}
await membership.setTTL(ttl);
await membership.leave();
const to: Deno.NetAddr = { transport: "udp", hostname: group, port: 5007 };
await sender.send(new TextEncoder().encode(`TTL ${ttl}`), to);
console.log(`sent to ${group}:5007 from ${address} with TTL ${ttl}`);
sender.close();

// Prints:
// setTTL(256): TypeError: Invalid argument (os error 22)
// sent to 239.255.0.1:5007 from 127.0.0.1 with TTL 0
