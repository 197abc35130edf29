/**
 * `for await (const [data, from] of conn)` receives datagram after datagram,
 * each into a new buffer of 65,507 bytes. Leaving the loop leaves the socket
 * open; closing the socket ends the loop, with no error.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/for_await.ts
 *
 * @module
 */
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
const sender = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
for (const text of ["one", "two", "three"]) {
  await sender.send(new TextEncoder().encode(text), conn.addr);
}
for await (const [data] of conn) {
  console.log(`${new TextDecoder().decode(data)}, then break`);
  break;
}
setTimeout(() => conn.close(), 100);
for await (const [data] of conn) {
  console.log(`${new TextDecoder().decode(data)}, ${data.buffer.byteLength}`);
}
console.log("closed: the loop ended");
sender.close();

// Prints:
// one, then break
// two, 65507
// three, 65507
// closed: the loop ended
