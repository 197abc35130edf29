/**
 * What each step of `scripts/echo_server.ts`'s loop costs, apart from the
 * socket: the reply, the guards, the safe text, the address, its colour and
 * the log line, each timed on its own by `deno bench` with the benchmark's
 * own datagram. It tells which step is worth making cheaper; how fast the
 * server answers is measured by `deno task bench`, never here.
 *
 * Run:  deno bench bench/loop_costs_bench.ts
 *
 * @module
 */
import { cyan, setColorEnabled } from "jsr:@std/fmt@^1/colors";
import { safeToAnswer } from "../lib/guards.ts";
import { formatAddress } from "../lib/net.ts";
import { safeText } from "../lib/text.ts";

setColorEnabled(false); // as when stdout is a file
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
const prefix = new TextEncoder().encode("OK...");
const data = new TextEncoder().encode("benchmark message 0000002a");
const reply = new Uint8Array(prefix.length + data.length);
reply.set(prefix);
reply.set(data, prefix.length);
/** A colour decided once: what `cyan` costs when it is not a RegExp per call. */
const cachedCyan = (text: string) => text;

Deno.bench("reply: a new array, the prefix and the payload", {
  group: "step",
  baseline: true,
}, () => {
  const out = new Uint8Array(prefix.length + data.length);
  out.set(prefix);
  out.set(data, prefix.length);
});
Deno.bench("safeToAnswer (lib/guards.ts)", { group: "step" }, () => {
  safeToAnswer(server, from, data, reply);
});
Deno.bench("safeText (lib/text.ts)", { group: "step" }, () => {
  safeText(data, { trimEnd: true });
});
Deno.bench("formatAddress (lib/net.ts)", { group: "step" }, () => {
  formatAddress(from);
});
Deno.bench("cyan() from @std/fmt/colors, colour off", { group: "step" }, () => {
  cyan("127.0.0.1:40000");
});
Deno.bench(
  "a colour function decided once, colour off",
  { group: "step" },
  () => {
    cachedCyan("127.0.0.1:40000");
  },
);
Deno.bench(
  "the whole log line, as the script builds it",
  { group: "step" },
  () => {
    `Message[${cyan(formatAddress(from))}] - ${
      safeText(data, { trimEnd: true })
    }`;
  },
);
Deno.bench(
  "a promise and its .catch(), as around conn.send",
  { group: "step" },
  async () => {
    await Promise.resolve(0).catch(() => 0);
  },
);
