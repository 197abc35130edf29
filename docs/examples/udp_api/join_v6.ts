/**
 * `joinMulticastV6(group, interfaceIndex)` joins an IPv6 group on the
 * interface with that index (`ip link` shows them). To send out of that
 * interface, the index goes after `%` in the group's address, a scope ID,
 * as with a link-local address. ff01::1:2 is interface-local: the system
 * never sends it beyond the interface. The loopback interface (index 1 on
 * Linux, the default here) accepts the membership but carries no IPv6
 * multicast: give another interface's index to see it arrive.
 *
 * Run:
 *   deno run -N --unstable-net docs/examples/udp_api/join_v6.ts [index]
 *
 * @module
 */
const group = "ff01::1:2";
const index = Number(Deno.args[0] ?? 1);
const listener = Deno.listenDatagram({
  transport: "udp",
  hostname: "::",
  port: 0,
});
await listener.joinMulticastV6(group, index);
console.log(`joined ${group} on interface ${index}`);

const sender = Deno.listenDatagram({
  transport: "udp",
  hostname: "::",
  port: 0,
  loopback: true,
});
const { port } = listener.addr as Deno.NetAddr;
try {
  const to = `${group}%${index}`;
  await sender.send(new TextEncoder().encode("to the group"), {
    transport: "udp",
    hostname: to,
    port,
  });
  const [data] = await listener.receive();
  console.log(`heard: ${new TextDecoder().decode(data)}`);
} catch (error) {
  console.log(`send: ${error}`);
}
listener.close();
sender.close();

// Prints:
// joined ff01::1:2 on interface 1
// send: NetworkUnreachable: Network is unreachable (os error 101)
