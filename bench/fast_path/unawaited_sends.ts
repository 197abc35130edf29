/**
 * FAST-PATH STUDY: batching sends, by not waiting for each one.
 *
 * Deno has no `sendmmsg`, so the nearest thing to batching is to start each
 * send and go back to receiving at once, settling the sends 32 at a time.
 * Answers and logs like `scripts/echo_server.ts` does. Each reply is its own
 * array (`echoReply`), so a send still in flight never sees a later payload.
 *
 * Usage: deno run -N bench/fast_path/unawaited_sends.ts [PORT]
 *
 * @module
 */
import { printLine } from "../../lib/output.ts";
import { safeText } from "../../lib/text.ts";
import { formatAddress, listen, receiveEach, reply } from "../../lib/udp.ts";
import { echoReply } from "../../scripts/echo_server.ts";

const SENDS_IN_FLIGHT = 32;
const conn = listen("127.0.0.1", Number(Deno.args[0] ?? "0"));
const prefix = new TextEncoder().encode("OK...");
printLine(`unawaited sends listening on ${formatAddress(conn.addr)}`);

let sends: Promise<boolean>[] = [];
for await (const [data, addr] of receiveEach(conn)) {
  sends.push(reply(conn, echoReply(prefix, data), addr, data));
  const text = safeText(data, { trimEnd: true });
  printLine(`Message[${formatAddress(addr)}] - ${text}`);
  if (sends.length >= SENDS_IN_FLIGHT) {
    await Promise.all(sends);
    sends = [];
  }
}
