/**
 * The echo server most people write first, as a measurement target: a
 * `for await` loop over the socket, a new reply array, and a `console.log`
 * per datagram. Same reply and log line as `scripts/echo_server.ts`.
 *
 * Usage: deno run -N bench/servers/naive_echo_server.ts [PORT] [--no-log]
 *
 * `for await (… of conn)` allocates a fresh 64 KiB buffer for every datagram,
 * and `console.log` writes to stdout once per call. `--no-log` leaves the
 * logging out, to show what the allocation alone costs.
 *
 * @module
 */
const port = Number(Deno.args[0] ?? "0");
const log = !Deno.args.includes("--no-log");
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port,
});
const { hostname, port: bound } = conn.addr as Deno.NetAddr;
console.log(`naive echo server listening on ${hostname}:${bound}`);

const prefix = new TextEncoder().encode("OK...");
const decoder = new TextDecoder();
for await (const [data, addr] of conn) {
  const reply = new Uint8Array(prefix.length + data.length);
  reply.set(prefix);
  reply.set(data, prefix.length);
  await conn.send(reply, addr);
  if (!log) continue;
  const { hostname, port } = addr as Deno.NetAddr;
  console.log(
    `Message[${hostname}:${port}] - ${decoder.decode(data).trimEnd()}`,
  );
}
