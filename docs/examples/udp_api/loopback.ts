/**
 * `loopback` in `Deno.listenDatagram()`, and `membership.setLoopback()`, say
 * whether this machine's own members of a group get a copy of what the
 * socket sends to it (`IP_MULTICAST_LOOP`). Deno turns it off by default.
 * It matters on a network interface: give its address as the argument. On
 * the loopback interface, the default, every datagram comes back anyway.
 * The TTL is 0, so nothing leaves this machine.
 *
 * Run:
 *   deno run -N --unstable-net docs/examples/udp_api/loopback.ts [address]
 *
 * @module
 */
const group = "239.255.0.1";
const address = Deno.args[0] ?? "127.0.0.1";
const listener = Deno.listenDatagram({
  transport: "udp",
  hostname: "0.0.0.0",
  port: 0,
});
await listener.joinMulticastV4(group, address);
const heard: string[] = [];
(async () => {
  for await (const [data] of listener) {
    heard.push(new TextDecoder().decode(data));
  }
})();

// Three senders on the interface: the default, the option, the method.
const to = { ...listener.addr as Deno.NetAddr, hostname: group };
for (const how of ["default", "loopback: true", "setLoopback(true)"]) {
  const sender = Deno.listenDatagram({
    transport: "udp",
    hostname: address,
    port: 0,
    loopback: how === "loopback: true",
  });
  const membership = await sender.joinMulticastV4(group, address);
  await membership.setTTL(0);
  if (how === "setLoopback(true)") await membership.setLoopback(true);
  await sender.send(new TextEncoder().encode(how), to);
  await membership.leave();
  sender.close();
}
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(`heard on ${address}: ${heard.join(", ")}`);
listener.close();

// Prints:
// heard on 127.0.0.1: default, loopback: true, setLoopback(true)
