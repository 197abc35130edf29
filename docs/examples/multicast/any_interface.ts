/**
 * A multicast sender and listener that name no interface, as most first
 * attempts do: the socket is bound to 0.0.0.0, joins 239.255.0.1 on
 * "0.0.0.0" (any interface) and sends one datagram to 239.255.0.1:5007,
 * leaving the interface, and the TTL (1), to the system. It prints what
 * came of each step.
 *
 * The multicast page shows where that goes, measured in a network namespace
 * by tests/interop/multicast_test.ts: nowhere without a route for the group,
 * and out of the default route's interface with one. Run it only where that
 * is what you want: on a machine with a network, it sends to the network.
 *
 * Run:  deno run -N --unstable-net docs/examples/multicast/any_interface.ts
 *
 * @module
 */

// #region any
const group = "239.255.0.1";
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "0.0.0.0",
  port: 0,
});
try {
  await conn.joinMulticastV4(group, "0.0.0.0");
  console.log("joined");
} catch (error) {
  console.log(`join failed: ${(error as Error).message}`);
}
try {
  const data = new TextEncoder().encode("from 0.0.0.0");
  await conn.send(data, { transport: "udp", hostname: group, port: 5007 });
  console.log("sent");
} catch (error) {
  console.log(`send failed: ${(error as Error).message}`);
}
conn.close();
// #endregion any
