#!/usr/bin/env -S deno run -N --unstable-net
/**
 * A lossy UDP relay for testing clients: it forwards datagrams between
 * clients and one server, dropping, delaying, duplicating and reordering
 * them as asked, from a seed, so a run can be repeated.
 *
 * Run:   deno run -N tools/lossy_relay.ts --port 7000 --to-port 6666 --drop 0.5 --seed 1
 * Then:  deno run -N scripts/improved_client.ts --port 7000
 *
 * Each client gets its own socket towards the server, so the server's reply
 * finds its way back to the right client.
 *
 * @module
 */
import {
  onStopSignal,
  parseCommand,
  parseNumber,
  parsePort,
} from "../lib/cli.ts";
import { formatAddress } from "../lib/net.ts";

function listen(hostname: string, port: number): Deno.DatagramConn {
  return Deno.listenDatagram({ transport: "udp", hostname, port });
}

/** What the relay does to each datagram, in each direction. */
export interface RelayOptions {
  /** Local address to listen on. */
  hostname: string;
  /** Local port, 0 for any. */
  port: number;
  /** The server's address. */
  target: Deno.NetAddr;
  /** Probability of dropping a datagram. */
  drop: number;
  /** Probability of sending a datagram twice. */
  duplicate: number;
  /** Largest random delay in milliseconds (reorders datagrams too). */
  delayMs: number;
  /** Seed for the random choices. */
  seed: number;
}

/** A running relay. */
export interface Relay extends AsyncDisposable {
  /** Where clients should send. */
  addr: Deno.NetAddr;
  /** Counts of what the relay did. */
  stats: {
    received: number;
    forwarded: number;
    dropped: number;
    duplicated: number;
  };
  /** Stops the relay and closes every socket. */
  close(): Promise<void>;
}

/** A small seeded PRNG (mulberry32): numbers in [0, 1), the same for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts a relay in this process.
 *
 * @example
 * ```ts ignore
 * await using relay = startRelay({ hostname: "127.0.0.1", port: 0, target, drop: 0.5, duplicate: 0, delayMs: 0, seed: 1 });
 * ```
 */
export function startRelay(options: RelayOptions): Relay {
  const random = seededRandom(options.seed);
  const front = listen(options.hostname, options.port);
  const stats = { received: 0, forwarded: 0, dropped: 0, duplicated: 0 };
  const backs = new Map<string, Deno.DatagramConn>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const loops: Promise<void>[] = [];
  let closed = false;

  function forward(
    conn: Deno.DatagramConn,
    data: Uint8Array,
    to: Deno.NetAddr,
  ) {
    stats.received++;
    if (random() < options.drop) {
      stats.dropped++;
      return;
    }
    const copies = random() < options.duplicate ? 2 : 1;
    if (copies === 2) stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = Math.floor(random() * options.delayMs);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (closed) return;
        stats.forwarded++;
        conn.send(data, to).catch(() => {});
      }, delay);
      timers.add(timer);
    }
  }

  async function pump(
    conn: Deno.DatagramConn,
    handle: (data: Uint8Array, addr: Deno.NetAddr) => void,
  ) {
    try {
      for await (const [data, addr] of conn) {
        if (addr.transport === "udp") handle(data, addr);
      }
    } catch {
      // closed
    }
  }

  loops.push(pump(front, (data, client) => {
    const key = formatAddress(client);
    let back = backs.get(key);
    if (!back) {
      const conn = listen(
        options.target.hostname.includes(":") ? "::1" : "127.0.0.1",
        0,
      );
      backs.set(key, conn);
      back = conn;
      loops.push(pump(conn, (reply) => forward(front, reply, client)));
    }
    forward(back, data, options.target);
  }));

  async function close() {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    front.close();
    for (const back of backs.values()) back.close();
    await Promise.all(loops);
  }

  return {
    addr: front.addr as Deno.NetAddr,
    stats,
    close,
    [Symbol.asyncDispose]: close,
  };
}

if (import.meta.main) {
  const flags = parseCommand({
    name: "lossy_relay",
    run: "deno run -N tools/lossy_relay.ts",
    summary:
      "A lossy UDP relay: drops, delays, duplicates and reorders datagrams, from a seed.",
    string: [
      "host",
      "port",
      "to-host",
      "to-port",
      "drop",
      "duplicate",
      "delay",
      "seed",
    ],
    default: {
      host: "127.0.0.1",
      port: "7000",
      "to-host": "127.0.0.1",
      "to-port": "6666",
      drop: "0",
      duplicate: "0",
      delay: "0",
      seed: "1",
    },
    help: {
      "--host TEXT": "address to listen on",
      "--port N": "port to listen on",
      "--to-host TEXT": "the server's address",
      "--to-port N": "the server's port",
      "--drop P": "probability of dropping each datagram",
      "--duplicate P": "probability of sending a datagram twice",
      "--delay SECONDS": "largest random delay (reorders too)",
      "--seed N": "seed for the random choices",
    },
  });
  const probability = { min: 0, max: 1 };
  const relay = startRelay({
    hostname: flags.host,
    port: parsePort(flags.port),
    target: {
      transport: "udp",
      hostname: flags["to-host"],
      port: parsePort(flags["to-port"], "to-port", 1),
    },
    drop: parseNumber(flags.drop, "drop", probability),
    duplicate: parseNumber(flags.duplicate, "duplicate", probability),
    delayMs: parseNumber(flags.delay, "delay", { min: 0, max: 86_400 }) * 1000,
    seed: parseNumber(flags.seed, "seed", {
      min: 0,
      max: 2 ** 32,
      whole: true,
    }),
  });
  console.log(`lossy relay listening on ${formatAddress(relay.addr)}`);
  await new Promise<void>((resolve) => onStopSignal(resolve));
  await relay.close();
  console.log(JSON.stringify(relay.stats));
}
