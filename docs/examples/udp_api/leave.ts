/**
 * `membership.leave()` ends one socket's membership. The interface stays a
 * member while any other socket on this machine has joined the group there,
 * and Linux then hands each datagram to every socket on the port, the one
 * that left included (IP_MULTICAST_ALL is on by default, and Deno has no
 * way to turn it off). Only once the last member has left does nobody hear.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/leave.ts
 *
 * @module
 */
const group = "239.255.0.1";
const options = {
  transport: "udp",
  hostname: "0.0.0.0",
  reuseAddress: true,
} as const;
const a = Deno.listenDatagram({ ...options, port: 0 });
const { port } = a.addr as Deno.NetAddr;
const b = Deno.listenDatagram({ ...options, port });
const memberships = {
  a: await a.joinMulticastV4(group, "127.0.0.1"),
  b: await b.joinMulticastV4(group, "127.0.0.1"),
};

// Who hears each datagram: each socket collects what it receives.
const heard: string[] = [];
for (const [name, conn] of [["a", a], ["b", b]] as const) {
  (async () => {
    for await (const [data] of conn) {
      heard.push(`${new TextDecoder().decode(data)}: ${name}`);
    }
  })();
}
const sender = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
async function send(text: string) {
  await sender.send(new TextEncoder().encode(text), {
    transport: "udp",
    hostname: group,
    port,
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
}

await send("both members");
await memberships.a.leave();
await send("a has left");
await memberships.b.leave();
await send("both have left");
console.log(heard.sort().join("\n"));
for (const conn of [a, b, sender]) conn.close();

// Prints:
// a has left: a
// a has left: b
// both members: a
// both members: b
