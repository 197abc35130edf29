/**
 * `close()` closes the socket at once. A `receive()` still waiting rejects
 * with `Deno.errors.Interrupted`; a later `send()`, or a second `close()`,
 * throws `Deno.errors.BadResource`.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/close.ts
 *
 * @module
 */
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
const pending = conn.receive();
conn.close();
try {
  await pending;
} catch (error) {
  console.log(`pending receive: ${error}`);
}
try {
  await conn.send(new Uint8Array(1), conn.addr);
} catch (error) {
  console.log(`send: ${error}`);
}
try {
  conn.close();
} catch (error) {
  console.log(`close again: ${error}`);
}

// Prints:
// pending receive: Interrupted: operation canceled
// send: BadResource: Socket has been closed
// close again: BadResource: Bad resource ID
