/**
 * Forged datagrams for the hardening tests, through `tools/forge.py`: send
 * UDP datagrams with any source address and port from a raw socket, and
 * count the datagrams that cross an interface. Both need root, and run on
 * loopback or inside a network namespace the test made.
 *
 * @module
 */
import { ROOT } from "../_helpers.ts";
import {
  findTool,
  type Requirement,
  runningAsRoot,
  type RunningTool,
  runTool,
  startTool,
} from "../interop/_tools.ts";

/** The forging tool. */
export const FORGE = `${ROOT}tools/forge.py`;

/** Python 3 runs the forging tool. */
export const python: Requirement = await findTool("python3", "python3");

/** Forging needs a raw socket, and so root. */
export const root: Requirement = await runningAsRoot(
  "forging a datagram's source needs a raw socket",
);

/** An IPv4 address and a port. */
export interface Endpoint {
  /** An IPv4 address, such as `127.0.0.1`. */
  hostname: string;
  /** A port. */
  port: number;
}

/** Options for {@linkcode forge}. */
export interface ForgeOptions {
  /** The payload (default: the 6 bytes `forged`). */
  payload?: Uint8Array;
  /** How many datagrams to send (default 1). */
  count?: number;
  /**
   * Count up the source address and port for each datagram, from `from`
   * (the port wraps within 1024–65535).
   */
  distinctSources?: boolean;
  /** At most this many datagrams a second (default: as fast as it can). */
  rate?: number;
  /** Send from inside this network namespace. */
  netns?: string;
}

/** What {@linkcode forge} sent. */
export interface Forged {
  /** Datagrams sent. */
  sent: number;
  /** How long sending took. */
  seconds: number;
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

function inNamespace(
  netns: string | undefined,
  args: string[],
): [string, string[]] {
  return netns === undefined
    ? ["python3", [FORGE, ...args]]
    : ["ip", ["netns", "exec", netns, "python3", FORGE, ...args]];
}

/**
 * Sends UDP datagrams whose source is `from`, whatever this machine's
 * addresses are, to `to`. Bounded: the tool stops after 30 s in any case.
 */
export async function forge(
  from: Endpoint,
  to: Endpoint,
  options: ForgeOptions = {},
): Promise<Forged> {
  const args = [
    "send",
    "--from",
    `${from.hostname}:${from.port}`,
    "--to",
    `${to.hostname}:${to.port}`,
    "--hex",
    hex(options.payload ?? new TextEncoder().encode("forged")),
    "--count",
    String(options.count ?? 1),
  ];
  if (options.distinctSources) args.push("--distinct-sources");
  if (options.rate) args.push("--rate", String(options.rate));
  const [command, fullArgs] = inNamespace(options.netns, args);
  const { code, stdout, stderr } = await runTool(command, fullArgs, {
    timeoutMs: 40_000,
  });
  if (code !== 0) throw new Error(`forge.py send failed: ${stderr.trim()}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** The datagrams a {@linkcode Sniffer} saw from one port to another. */
export interface PairCount {
  /** How many. */
  packets: number;
  /** When the first was seen, in seconds from the start. */
  firstAt: number;
  /** When the last was seen, in seconds from the start. */
  lastAt: number;
}

/** What a {@linkcode Sniffer} counted. */
export interface Sniffed {
  /** UDP datagrams seen that matched. */
  packets: number;
  /** When the last one was seen, in seconds from the start. */
  lastAt: number | null;
  /** The first few, as `SRC:PORT > DST:PORT N bytes`. */
  samples: string[];
  /** Each direction apart, keyed `SRCPORT>DSTPORT` (the first 64 seen). */
  pairs: Record<string, PairCount>;
}

/** Options for {@linkcode startSniffer}. */
export interface SnifferOptions {
  /** The interface (default `lo`). */
  iface?: string;
  /** Count only datagrams between these two ports, either way. */
  between?: [number, number];
  /** Count only datagrams sent from this port. */
  fromPort?: number;
  /** Count only datagrams sent from or to this port. */
  port?: number;
  /** Count inside this network namespace. */
  netns?: string;
}

/** A running count of datagrams; dispose of it to stop it. */
export interface Sniffer extends AsyncDisposable {
  /** Ends the count and returns it. */
  stop(): Promise<Sniffed>;
}

/**
 * Starts counting the UDP datagrams that arrive on an interface, and
 * returns once the count has begun. It counts until stopped, for 60 s at
 * most.
 */
export async function startSniffer(
  options: SnifferOptions = {},
): Promise<Sniffer> {
  const args = ["sniff", "--iface", options.iface ?? "lo"];
  if (options.between) args.push("--between", ...options.between.map(String));
  if (options.fromPort !== undefined) {
    args.push("--from-port", String(options.fromPort));
  }
  if (options.port !== undefined) args.push("--port", String(options.port));
  const [command, fullArgs] = inNamespace(options.netns, args);
  const sniffer = await startTool(command, fullArgs, {
    ready: { stream: "stderr", pattern: /^sniffing$/m },
  });
  async function stop(): Promise<Sniffed> {
    const { code, stdout, stderr } = await sniffer.stop();
    const line = new TextDecoder().decode(stdout).trim().split("\n").at(-1);
    if (code !== 0 || !line?.startsWith("{")) {
      throw new Error(`forge.py sniff failed (exit ${code}): ${stderr}`);
    }
    return JSON.parse(line);
  }
  return {
    stop,
    [Symbol.asyncDispose]: async () => {
      await sniffer.stop();
    },
  };
}

/** A server script running in the background, with stdout and stderr. */
export interface WatchedServer extends RunningTool {
  /** The address from its ready line. */
  address: Deno.NetAddr;
}

/**
 * Starts a server script on 127.0.0.1 with `--port 0`, and waits for its
 * ready line. Unlike `startScript`, what it prints on stderr is kept too;
 * dispose of it to stop it.
 *
 * @param name The script, such as `echo_server`.
 * @param options `denoFlags` go before the script (`-N` is always given),
 *   `args` after it.
 */
export async function startWatchedServer(
  name: string,
  options: { denoFlags?: string[]; args?: string[] } = {},
): Promise<WatchedServer> {
  const server = await startTool(Deno.execPath(), [
    "run",
    "-N",
    ...options.denoFlags ?? [],
    `scripts/${name}.ts`,
    "--port",
    "0",
    ...options.args ?? [],
  ], {
    ready: { stream: "stdout", pattern: / listening on 127\.0\.0\.1:(\d+)$/m },
  });
  const port = Number(server.ready?.[1]);
  return {
    ...server,
    address: { transport: "udp", hostname: "127.0.0.1", port },
  };
}
