#!/usr/bin/env -S deno run -N --unstable-net
/**
 * "Your data was N bytes" server: answers each datagram with its size.
 *
 * Ports the simple server of a 2015 blog post on Python UDP sockets. With
 * `--drop P` it ignores each request with probability P, to show the
 * improved client's retries at work; `--seed N` makes those losses the same
 * on every run.
 *
 * Run:   deno run -N --unstable-net scripts/size_server.ts [--port 6666] [--drop 0.5] [--seed 1]
 * Talk:  deno run -N --unstable-net scripts/size_client.ts, or scripts/improved_client.ts
 *
 * @module
 */
import { green, yellow } from "jsr:@std/fmt@^1/colors";
import {
  fail,
  onStopSignal,
  parseCommand,
  parseNumber,
  parsePort,
} from "../lib/cli.ts";
import { BUDGET_FLAG, safeToAnswer, setBudget } from "../lib/guards.ts";
import { log, warn } from "../lib/log.ts";
import { bindError, formatAddress } from "../lib/net.ts";

// #region flags
const flags = parseCommand({
  name: "size_server",
  summary:
    'UDP size server: answers each datagram with "Your data was N bytes".',
  string: ["host", "port", "drop", "seed", "budget"],
  default: {
    host: "127.0.0.1",
    port: "6666",
    drop: "0",
    seed: "",
    budget: BUDGET_FLAG.default,
  },
  help: {
    "--host TEXT": "address to listen on (0.0.0.0 or :: exposes it)",
    "--port N": "UDP port, 0 for any free one",
    "--drop P": "ignore each request with this probability (0 to 1)",
    "--seed N": 'repeat the same drops: a whole number ("" for random)',
    "--budget N": BUDGET_FLAG.help,
  },
  notes: [
    "Talk to it: deno run -N scripts/size_client.ts, " +
    "or scripts/improved_client.ts",
  ],
});
const port = parsePort(flags.port);
setBudget(flags.budget);
const drop = parseNumber(flags.drop, "drop", { min: 0, max: 1 });
const seed = flags.seed === ""
  ? undefined
  : parseNumber(flags.seed, "seed", { min: 0, max: 2 ** 32 - 1, whole: true });
// #endregion flags

// #region drop
// --drop loses requests on purpose, as a busy network may. Math.random() gives
// different losses on every run; with --seed they come from mulberry32, a tiny
// generator that gives the same numbers for the same seed, so a run repeats.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; // from 0 up to, not including, 1
  };
}
const random = seed === undefined ? Math.random : mulberry32(seed);
// #endregion drop

// #region listen
// One call creates the UDP socket and binds it. 127.0.0.1 keeps the server on
// this machine; --host 0.0.0.0 (or ::) is your explicit choice to expose it.
let conn: Deno.DatagramConn;
try {
  conn = Deno.listenDatagram({ transport: "udp", hostname: flags.host, port });
} catch (error) {
  fail(bindError(error, flags.host, port));
}
// Ctrl-C (or SIGTERM) closes the socket, which ends the loop below.
let stopping = false;
onStopSignal(() => {
  stopping = true;
  conn.close();
});
// Name the real port: with --port 0 the system picked it.
log(green(`size server listening on ${formatAddress(conn.addr)}`));
// #endregion listen

// #region loop
// One buffer for every datagram, larger than any UDP payload: nothing is cut,
// so the size counted is the size sent.
const buffer = new Uint8Array(65_536);
// Each reply is encoded into this one array: "Your data was 65507 bytes" at
// most.
const encoder = new TextEncoder();
const replyBytes = new Uint8Array(32);
while (true) {
  let data: Uint8Array, from: Deno.Addr;
  try {
    [data, from] = await conn.receive(buffer);
  } catch (error) {
    if (stopping) break; // the socket was closed on purpose
    warn(`receive failed: ${error}`); // a passing error: keep serving
    continue;
  }
  // One draw per request, in the order they come: with --seed, the same
  // requests are lost on every run.
  if (random() < drop) {
    log(yellow(`Dropped a request from ${formatAddress(from)} (--drop)`));
    continue;
  }
  // data.length counts bytes, as Python's len(data) does: "déjà vu" is 9.
  const answer = `Your data was ${data.length} bytes`;
  const { written } = encoder.encodeInto(answer, replyBytes);
  const reply = replyBytes.subarray(0, written);
  // Stay silent where an answer could start a loop or a flood (lib/guards.ts):
  // a refused request gets no log line, only a count on stderr.
  if (!safeToAnswer(conn.addr, from, data, reply)) continue;
  // The log shows the payload's bytes made safe to print, built straight
  // into the log's buffer (lib/log.ts). The payload is never decoded to build
  // the reply, so no datagram can break it.
  log`The client at ${from} says: ${data}`;
  // A failed send is reported, and the server goes on.
  try {
    await conn.send(reply, from);
  } catch (error) {
    warn(`send to ${formatAddress(from)} failed: ${error}`);
  }
}
// #endregion loop
