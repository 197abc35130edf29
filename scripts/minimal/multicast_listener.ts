/**
 * @title UDP multicast listener, the core
 * @run -N --unstable-net <url> [port]
 *
 * Joins the group 239.255.0.1 on this machine's loopback interface and prints
 * every datagram sent to it. Goes one step beyond the broadcast pair of a 2015
 * blog post on Python UDP sockets; multicast_sender.ts talks to it.
 */

// A datagram to a group is addressed to no address of this machine, so the
// socket binds 0.0.0.0. reuseAddress lets several listeners share the port:
// each one gets its own copy.
const port = Number(Deno.args[0] ?? 5007);
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "0.0.0.0",
  port,
  reuseAddress: true,
});

// Joining names the group and the interface, by its address. 127.0.0.1 hears
// this machine only; an interface that has not joined drops the group's
// datagrams before any socket sees them.
const group = "239.255.0.1";
const membership = await conn.joinMulticastV4(group, "127.0.0.1");

// Ctrl-C leaves the group before the program ends. Then say it is ready.
Deno.addSignalListener("SIGINT", async () => {
  await membership.leave();
  Deno.exit(0);
});
console.log(
  `joined ${group}, listening on 0.0.0.0:${(conn.addr as Deno.NetAddr).port}`,
);

// Anyone who can reach the group can send anything: escape what is printed.
for await (const [data, from] of conn) {
  const sender = from as Deno.NetAddr;
  const text = new TextDecoder().decode(data).replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
  console.log(`The sender at ${sender.hostname}:${sender.port} says: ${text}`);
}
