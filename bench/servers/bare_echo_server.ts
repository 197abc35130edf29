/**
 * The floor of Deno's socket API, as a measurement target: one reused
 * receive buffer, one `send` per datagram, no logging, no checks.
 *
 * Usage: deno run -N bench/servers/bare_echo_server.ts [PORT] [--console-log]
 *
 * `--console-log` adds the echo server's log line, written with one
 * `console.log` per datagram, to show what unbuffered logging costs.
 *
 * @module
 */
const port = Number(Deno.args[0] ?? "0");
const log = Deno.args.includes("--console-log");
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port,
});
console.log(
  `bare echo server listening on 127.0.0.1:${(conn.addr as Deno.NetAddr).port}`,
);

const prefix = new TextEncoder().encode("OK...");
const buffer = new Uint8Array(65_536);
const decoder = new TextDecoder();
while (true) {
  const [data, addr] = await conn.receive(buffer);
  const reply = new Uint8Array(prefix.length + data.length);
  reply.set(prefix);
  reply.set(data, prefix.length);
  await conn.send(reply, addr);
  if (log) {
    const { hostname, port } = addr as Deno.NetAddr;
    const text = decoder.decode(data).trimEnd();
    console.log(`Message[${hostname}:${port}] - ${text}`);
  }
}
