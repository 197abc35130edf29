/**
 * FAST-PATH STUDY: several receives in flight on one socket.
 *
 * Four loops share the socket, each with its own buffer; whichever receive
 * is pending when a datagram comes takes it. Each loop answers, refuses and
 * logs as `scripts/echo_server.ts` does (`lib/guards.ts`, `lib/log.ts`).
 * The idea: while one loop waits for its send, another is
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

const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: Number(Deno.args[0] ?? "0"),
});
const loops = Number(Deno.args[1] ?? "4");
const prefix = new TextEncoder().encode("OK...");
log(`receives in flight listening on ${formatAddress(conn.addr)}`);

async function serve(): Promise<void> {
  // As in echo_server.ts: the payload lands after the prefix, so the reply
  // is a view of this loop's own buffer.
  const buffer = new Uint8Array(prefix.length + 65_536);
  buffer.set(prefix);
  const payloadSpace = buffer.subarray(prefix.length);
  while (true) {
    const [data, from] = await conn.receive(payloadSpace);
    const reply = buffer.subarray(0, prefix.length + data.length);
    if (!safeToAnswer(conn.addr, from, data, reply)) continue;
    await conn.send(reply, from);
    log`Message[${from}] - ${data}`;
  }
}

await Promise.all(Array.from({ length: loops }, serve));
