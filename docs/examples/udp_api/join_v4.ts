/**
 * `joinMulticastV4(group, interfaceAddress)` makes the socket, and the
 * interface with that address, a member of an IPv4 multicast group: from
 * then on the socket receives what is sent to the group on its port. It
 * rejects a group that is not a multicast address, and an address that no
 * interface of this machine has.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/join_v4.ts
 *
 * @module
 */
const group = "239.255.0.1";
const listener = Deno.listenDatagram({
  transport: "udp",
  hostname: "0.0.0.0",
  port: 0,
});
const membership = await listener.joinMulticastV4(group, "127.0.0.1");

// A sender bound to 127.0.0.1 sends out of the loopback interface.
const sender = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
const { port } = listener.addr as Deno.NetAddr;
await sender.send(new TextEncoder().encode("to the group"), {
  transport: "udp",
  hostname: group,
  port,
});
const [data, from] = await listener.receive();
console.log(`${new TextDecoder().decode(data)}, from ${JSON.stringify(from)}`);

for (
  const [what, address, where] of [
    ["10.0.0.1 on 127.0.0.1", "10.0.0.1", "127.0.0.1"],
    [`${group} on 192.0.2.99`, group, "192.0.2.99"],
  ]
) {
  try {
    await listener.joinMulticastV4(address, where);
  } catch (error) {
    console.log(`${what}: ${error}`);
  }
}
await membership.leave();
listener.close();
sender.close();

// Prints:
// to the group, from {"hostname":"127.0.0.1","port":PORT,"transport":"udp"}
// 10.0.0.1 on 127.0.0.1: TypeError: Invalid argument (os error 22)
// 239.255.0.1 on 192.0.2.99: Error: No such device (os error 19)
