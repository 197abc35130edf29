/**
 * `reuseAddress: true` lets a second socket bind a port that a socket with
 * the same option holds (`SO_REUSEADDR`); without it, the second bind fails.
 * A datagram sent to the port's address then reaches one of them only: on
 * Linux, the socket bound last. (A multicast datagram reaches them all.)
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/reuse_address.ts
 *
 * @module
 */
const where = { transport: "udp", hostname: "127.0.0.1" } as const;
const first = Deno.listenDatagram({ ...where, port: 0, reuseAddress: true });
const { port } = first.addr as Deno.NetAddr;
try {
  Deno.listenDatagram({ ...where, port });
} catch (error) {
  console.log(`without reuseAddress: ${error}`);
}
const second = Deno.listenDatagram({ ...where, port, reuseAddress: true });
console.log(`with reuseAddress: a second socket on port ${port}`);

// Three datagrams to the port, and 300 ms to see who gets them.
const heard: string[] = [];
const collect = async (name: string, conn: Deno.DatagramConn) => {
  for await (const _ of conn) heard.push(name);
};
collect("first", first);
collect("second", second);
const sender = Deno.listenDatagram({ ...where, port: 0 });
for (let i = 0; i < 3; i++) await sender.send(new Uint8Array([i]), first.addr);
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(`reached: ${heard.join(", ")}`);
for (const conn of [first, second, sender]) conn.close();

// Prints:
// without reuseAddress: AddrInUse: Address already in use (os error 98)
// with reuseAddress: a second socket on port PORT
// reached: second, second, second
