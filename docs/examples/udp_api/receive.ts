/**
 * `receive(buffer)` waits for the next datagram and resolves to its bytes
 * and its sender. The bytes are a view of `buffer`; a datagram longer than
 * the buffer is cut to fit, and the rest is lost without a word. With no
 * buffer, Deno allocates a new one of 65,507 bytes for each datagram.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/receive.ts
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
await sender.send(new TextEncoder().encode("hello, world"), conn.addr);
await sender.send(new TextEncoder().encode("hi"), conn.addr);

const buffer = new Uint8Array(5);
const [data, from] = await conn.receive(buffer);
console.log(`${new TextDecoder().decode(data)} from ${JSON.stringify(from)}`);
console.log(`a view of the buffer: ${data.buffer === buffer.buffer}`);
const [fresh] = await conn.receive();
console.log(
  `${fresh.length} bytes in a new buffer of ${fresh.buffer.byteLength}`,
);
conn.close();
sender.close();

// Prints:
// hello from {"hostname":"127.0.0.1","port":PORT,"transport":"udp"}
// a view of the buffer: true
// 2 bytes in a new buffer of 65507
