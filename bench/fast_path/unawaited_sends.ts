/**
 * FAST-PATH STUDY: batching sends, by not waiting for each one.
 *
 * Deno has no `sendmmsg`, so the nearest thing to batching is to start each
 * send and go back to receiving at once, settling the sends 32 at a time.
 * Answers, refuses and logs as `scripts/echo_server.ts` does. Each reply is
 * its own array, so a send still in flight never sees a later payload.
 *
 * Usage: deno run -N bench/fast_path/unawaited_sends.ts [PORT]
 *
 * @module
 */
import { safeToAnswer } from "../../lib/guards.ts";
import { log } from "../../lib/log.ts";
import { formatAddress } from "../../lib/net.ts";

const SENDS_IN_FLIGHT = 32;
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: Number(Deno.args[0] ?? "0"),
});
const prefix = new TextEncoder().encode("OK...");
log(`unawaited sends listening on ${formatAddress(conn.addr)}`);

const buffer = new Uint8Array(65_536);
let sends: Promise<number>[] = [];
while (true) {
  const [data, from] = await conn.receive(buffer);
  const reply = new Uint8Array(prefix.length + data.length);
  reply.set(prefix);
  reply.set(data, prefix.length);
  if (!safeToAnswer(conn.addr, from, data, reply)) continue;
  sends.push(conn.send(reply, from).catch(() => 0));
  log`Message[${from}] - ${data}`;
  if (sends.length >= SENDS_IN_FLIGHT) {
    await Promise.all(sends);
    sends = [];
  }
}
