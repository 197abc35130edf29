/**
 * FAST-PATH STUDY: several receives in flight on one socket.
 *
 * Four loops share the socket, each with its own buffer; whichever receive
 * is pending when a datagram comes takes it. Each loop answers, refuses and
 * logs as `scripts/echo_server.ts` does (`lib/guards.ts`, `lib/text.ts`,
 * `lib/log.ts`). The idea: while one loop waits for its send, another is
 * already receiving. Log lines may come out in a different order from the
 * datagrams.
 *
 * Usage: deno run -N bench/fast_path/receives_in_flight.ts [PORT] [LOOPS]
 *
 * @module
 */
import { safeToAnswer } from "../../lib/guards.ts";
import { log } from "../../lib/log.ts";
import { formatAddress } from "../../lib/net.ts";
import { safeText } from "../../lib/text.ts";

const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: Number(Deno.args[0] ?? "0"),
});
const loops = Number(Deno.args[1] ?? "4");
const prefix = new TextEncoder().encode("OK...");
log(`receives in flight listening on ${formatAddress(conn.addr)}`);

async function serve(): Promise<void> {
  const buffer = new Uint8Array(65_536);
  while (true) {
    const [data, from] = await conn.receive(buffer);
    const reply = new Uint8Array(prefix.length + data.length);
    reply.set(prefix);
    reply.set(data, prefix.length);
    if (!safeToAnswer(conn.addr, from, data, reply)) continue;
    await conn.send(reply, from);
    log(
      `Message[${formatAddress(from)}] - ${safeText(data, { trimEnd: true })}`,
    );
  }
}

await Promise.all(Array.from({ length: loops }, serve));
