/**
 * What the steps of `scripts/echo_server.ts`'s loop cost in JavaScript,
 * apart from the socket and the log's writes: the reply, the guards, and
 * what the log does with the address and the payload, each timed on its own
 * by `deno bench` with the benchmark's own datagram. It tells which step is
 * worth making cheaper; how fast the server answers, and what the whole log
 * costs under load, is measured by `deno task bench` (the shipped echo
 * server against the bare loop with no new array, in turn), never here.
 *
 * Run:  deno bench bench/loop_costs_bench.ts
 *
 * @module
 */
import { safeToAnswer, setBudget } from "../lib/guards.ts";
import { formatAddress } from "../lib/net.ts";
import { safeText, shownAsIs } from "../lib/text.ts";

const server: Deno.NetAddr = {
  transport: "udp",
  hostname: "127.0.0.1",
  port: 8888,
};
const from: Deno.NetAddr = {
  transport: "udp",
  hostname: "127.0.0.1",
  port: 40_000,
};
// The benchmark's load generator sends from 2,000 ports in turn, and so do
// these calls: each sender is one the guards have seen before. The largest
// --budget keeps a tight loop within every sender's budget, so that the
// answer is timed, not a refusal.
const senders = Array.from(
  { length: 2_000 },
  (_, i): Deno.NetAddr => ({ ...from, port: 20_000 + i }),
);
setBudget("1000000");
let turn = 0;
const prefix = new TextEncoder().encode("OK...");
const payload = new TextEncoder().encode("benchmark message 0000002a");
// As in the script: the payload lands right after the prefix.
const buffer = new Uint8Array(prefix.length + 65_536);
buffer.set(prefix);
buffer.set(payload, prefix.length);
const data = buffer.subarray(prefix.length, prefix.length + payload.length);
const reply = buffer.subarray(0, prefix.length + data.length);
const notAscii = new TextEncoder().encode("benchmark message é 0000002a");

Deno.bench("reply: a view of the buffer, as the script makes it", {
  group: "step",
  baseline: true,
}, () => {
  buffer.subarray(0, prefix.length + data.length);
});
Deno.bench("reply: a new array, as the bare loop makes it", {
  group: "step",
}, () => {
  const out = new Uint8Array(prefix.length + data.length);
  out.set(prefix);
  out.set(data, prefix.length);
});
Deno.bench(
  "safeToAnswer (lib/guards.ts), 2,000 senders in turn",
  { group: "step" },
  () => {
    safeToAnswer(server, senders[turn++ % senders.length], data, reply);
  },
);
Deno.bench(
  "safeToAnswer (lib/guards.ts), each sender 8 times in a row",
  { group: "step" },
  () => {
    safeToAnswer(server, senders[(turn++ >> 3) % senders.length], data, reply);
  },
);
Deno.bench("shownAsIs: a plain ASCII payload, copied as it is", {
  group: "step",
}, () => {
  shownAsIs(data, { trimEnd: true });
});
Deno.bench("safeText: a payload that is not plain ASCII", {
  group: "step",
}, () => {
  safeText(notAscii, { trimEnd: true });
});
Deno.bench(
  "formatAddress (lib/net.ts), once per new host",
  { group: "step" },
  () => {
    formatAddress(from);
  },
);
