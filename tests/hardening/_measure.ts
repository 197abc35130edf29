/**
 * Shared by the hardening tests and `deno task reliability`: fire hostile
 * datagrams and floods at a running server, and read its memory.
 *
 * @module
 */
import { hostilePayloads } from "./_hostile.ts";
import { startRelay } from "../../tools/lossy_relay.ts";
import {
  clientSocket,
  encode,
  type RunningScript,
  runScript,
  type ScriptResult,
  sleep,
} from "../_helpers.ts";

/**
 * Sends a request and returns the reply, retrying with doubling waits from
 * 50 ms (about 6 s in all): after a burst, the server's receive buffer may
 * be full and the kernel drops the first tries, as UDP allows. Only a reply
 * from `to` counts, and one pending `receive()` is kept across attempts.
 */
export async function persistentExchange(
  to: Deno.NetAddr,
  payload: Uint8Array,
): Promise<Uint8Array> {
  const conn = clientSocket(to.hostname);
  let pending: Promise<[Uint8Array, Deno.Addr]> | undefined;
  try {
    for (let waitMs = 50; waitMs <= 3_200; waitMs *= 2) {
      await conn.send(payload, to);
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        if (pending === undefined) {
          pending = conn.receive();
          pending.catch(() => {}); // closing the socket ends it: not an error
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const silence = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), deadline - Date.now());
        });
        const received = await Promise.race([pending, silence]);
        clearTimeout(timer);
        if (received === undefined) break;
        pending = undefined;
        const [data, from] = received;
        if (
          from.transport === "udp" && from.hostname === to.hostname &&
          from.port === to.port
        ) return data;
      }
    }
  } finally {
    conn.close();
  }
  throw new Error(`no reply from ${to.hostname}:${to.port}`);
}

/**
 * Resident memory of a process in bytes (Linux), or undefined elsewhere.
 * Read through `cat`, because Deno asks for --allow-all to read another
 * process's /proc files directly.
 */
export async function residentBytes(pid: number): Promise<number | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const { stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stderr: "null",
  }).output();
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(new TextDecoder().decode(stdout))?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** Checks a server still answers: a probe that expects `expected` back. */
export type Probe = (server: RunningScript, round: number) => Promise<void>;

/** What a hostile run did. */
export interface HostileFigures {
  sent: number;
  probes: number;
}

/**
 * How many client ports the hostile datagrams come from, in turn: from one,
 * a server would answer (and log) only that port's budget of them
 * (`lib/guards.ts`), and the rest would test nothing.
 */
export const HOSTILE_PORTS = 256;

/**
 * Sends `count` hostile datagrams from {@linkcode HOSTILE_PORTS} sockets in
 * turn, in batches, probing the server between batches. Bounded: every
 * probe has its own timeout.
 */
export async function fireHostile(
  server: RunningScript,
  count: number,
  seed: number,
  probe: Probe,
  batch = 250,
): Promise<HostileFigures> {
  const conns = Array.from(
    { length: HOSTILE_PORTS },
    () => clientSocket(server.address.hostname),
  );
  let sent = 0;
  let probes = 0;
  try {
    for (const [, payload] of hostilePayloads(seed, count)) {
      await conns[sent % conns.length].send(payload, server.address);
      sent++;
      if (sent % batch === 0) {
        await probe(server, probes++);
      }
    }
    await probe(server, probes++);
  } finally {
    for (const conn of conns) conn.close();
  }
  return { sent, probes };
}

/** What a flood did to a server. */
export interface FloodFigures {
  sent: number;
  sockets: number;
  answered: number;
  rssBefore?: number;
  rssAfter?: number;
}

/**
 * Floods a server with `count` small datagrams from `sockets` source ports,
 * then drains the replies for a moment. Bounded in count and time.
 */
export async function flood(
  server: RunningScript,
  count: number,
  sockets: number,
): Promise<FloodFigures> {
  await persistentExchange(server.address, encode("warm-up"));
  const rssBefore = await residentBytes(server.child.pid);
  const conns = Array.from(
    { length: sockets },
    () => clientSocket(server.address.hostname),
  );
  let answered = 0;
  const draining = conns.map(async (conn) => {
    try {
      for await (const _ of conn) answered++;
    } catch {
      // closed
    }
  });
  const payload = encode("flood");
  try {
    for (let i = 0; i < count; i++) {
      await conns[i % sockets].send(payload, server.address);
      if (i % 1000 === 999) await sleep(1); // let the server breathe a little
    }
    await sleep(500);
  } finally {
    for (const conn of conns) conn.close();
    await Promise.all(draining);
  }
  const rssAfter = await residentBytes(server.child.pid);
  return { sent: count, sockets, answered, rssBefore, rssAfter };
}

/** How a relay mangles traffic, for {@linkcode throughRelay}. */
export interface Loss {
  drop: number;
  duplicate: number;
  delayMs: number;
  seed: number;
}

/**
 * Runs the real `scripts/improved_client.ts` once, as a process, through a
 * fresh lossy relay in front of `server`, and returns what it printed.
 * `args` are passed to the client after `--port`.
 */
export async function throughRelay(
  server: Deno.NetAddr,
  loss: Loss,
  args: string[] = [],
): Promise<ScriptResult> {
  await using relay = startRelay({
    hostname: "127.0.0.1",
    port: 0,
    target: server,
    ...loss,
  });
  return await runScript("improved_client", [
    "--port",
    String(relay.addr.port),
    ...args,
  ]);
}
