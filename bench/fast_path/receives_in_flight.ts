/**
 * FAST-PATH STUDY: several receives in flight on one socket.
 *
 * Four loops share the socket, each with its own buffer; whichever receive
 * is pending when a datagram comes takes it. Each loop answers and logs like
 * `scripts/echo_server.ts` does (`reply`, `safeText`, `printLine`). The idea:
 * while one loop waits for its send, another is already receiving. Log lines
 * may come out in a different order from the datagrams.
 *
 * Usage: deno run -N bench/fast_path/receives_in_flight.ts [PORT] [LOOPS]
 *
 * @module
 */
import { printLine } from "../../lib/output.ts";
import { safeText } from "../../lib/text.ts";
import { formatAddress, listen, receiveEach, reply } from "../../lib/udp.ts";
import { echoReply } from "../../scripts/echo_server.ts";

const conn = listen("127.0.0.1", Number(Deno.args[0] ?? "0"));
const loops = Number(Deno.args[1] ?? "4");
const prefix = new TextEncoder().encode("OK...");
printLine(`receives in flight listening on ${formatAddress(conn.addr)}`);

async function serve(): Promise<void> {
  for await (const [data, addr] of receiveEach(conn)) {
    await reply(conn, echoReply(prefix, data), addr, data);
    const text = safeText(data, { trimEnd: true });
    printLine(`Message[${formatAddress(addr)}] - ${text}`);
  }
}

await Promise.all(Array.from({ length: loops }, serve));
