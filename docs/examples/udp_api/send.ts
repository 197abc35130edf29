/**
 * `send(bytes, addr)` sends one datagram and resolves to the number of bytes
 * sent, once the system has taken it. What cannot be sent rejects: more
 * than one IPv4 datagram holds, or an IPv6 address from an IPv4 socket.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/send.ts
 *
 * @module
 */
const receiver = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
const { port } = receiver.addr as Deno.NetAddr;
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
console.log(`sent ${await conn.send(new Uint8Array(5), to)} bytes`);
const [data] = await receiver.receive();
console.log(`received ${data.length} bytes`);
for (
  const [what, bytes, addr] of [
    ["65,508 bytes", new Uint8Array(65_508), to],
    ["to ::1", new Uint8Array(1), { ...to, hostname: "::1" }],
  ] as const
) {
  try {
    await conn.send(bytes, addr);
  } catch (error) {
    console.log(`${what}: ${error}`);
  }
}
conn.close();
receiver.close();

// Prints:
// sent 5 bytes
// received 5 bytes
// 65,508 bytes: Error: Message too long (os error 90)
// to ::1: Error: Address family not supported by protocol (os error 97)
