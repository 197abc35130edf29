/**
 * Helpers for the multicast tests in network namespaces: run a script or an
 * example inside a namespace, record what crosses an interface with
 * `tests/interop/_packets.py`, and make a small LAN whose first namespace
 * has a default route through the veth. All need root and `ip`; recording
 * needs python3.
 *
 * @module
 */
import { assertEquals } from "jsr:@std/assert@^1";
import { decode, ROOT } from "../_helpers.ts";
import {
  ipCommand,
  type NamespacePair,
  namespacePair,
  type RunningTool,
  runTool,
  startTool,
} from "./_tools.ts";

/** The group's port, the scripts' default: each namespace has its own ports. */
export const PORT = 5007;

/** The lines a listener printed for the datagrams it heard. */
export function heard(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.includes(" says: "));
}

/** The command that runs `deno run -N FILE ARGS…` inside a namespace. */
export function denoIn(
  ns: string,
  file: string,
  args: string[],
): [string, string[]] {
  return ["ip", [
    "netns",
    "exec",
    ns,
    Deno.execPath(),
    "run",
    "-N",
    file,
    ...args,
  ]];
}

/** Starts a script in a namespace and waits for its ready line. */
export function startIn(
  ns: string,
  script: string,
  args: string[],
): Promise<RunningTool> {
  return startTool(...denoIn(ns, `scripts/${script}.ts`, args), {
    ready: { stream: "stdout", pattern: / listening on \S+:\d+$/m },
  });
}

/** Runs a script in a namespace to its end. */
export async function runIn(ns: string, script: string, args: string[]) {
  const result = await runTool(...denoIn(ns, `scripts/${script}.ts`, args));
  return { ...result, stdout: decode(result.stdout) };
}

/** What {@linkcode startCapture} recorded. */
export interface Captured {
  datagrams: {
    source: string;
    destination: string;
    ttl: number;
    bytes: number;
  }[];
  reports: { kind: string }[];
}

/** A recording of one interface; `stop()` ends it and returns the record. */
export interface Capture extends AsyncDisposable {
  stop(): Promise<Captured>;
}

/**
 * Starts recording the UDP datagrams to `port` (0: to any port) that go out
 * of (`out`) or come in on (`in`) an interface of a namespace, and the IGMP
 * and MLD reports, with `tests/interop/_packets.py`.
 */
export async function startCapture(
  ns: string,
  iface: string,
  options: { direction?: "out" | "in"; port?: number } = {},
): Promise<Capture> {
  const tool = await startTool("ip", [
    "netns",
    "exec",
    ns,
    "python3",
    `${ROOT}tests/interop/_packets.py`,
    "--iface",
    iface,
    "--port",
    String(options.port ?? PORT),
    "--direction",
    options.direction ?? "out",
  ], { ready: { stream: "stderr", pattern: /capturing/ } });
  let result: Promise<Captured> | undefined;
  const stop = () =>
    result ??= tool.stop().then(({ code, stdout, stderr }) => {
      assertEquals(code, 0, stderr);
      return JSON.parse(decode(stdout));
    });
  return { stop, [Symbol.asyncDispose]: async () => void await stop() };
}

/** The index of an interface in a namespace, as `ip link` shows it. */
export async function interfaceIndex(ns: string, dev: string): Promise<number> {
  const line = await ipCommand("-n", ns, "-o", "link", "show", "dev", dev);
  return Number(line.split(":")[0]);
}

/**
 * Waits (5 s at most) until an interface's IPv6 link-local address has
 * passed duplicate address detection: until then, nothing is sent from it.
 */
export async function linkLocalReady(ns: string, dev: string): Promise<void> {
  for (let check = 0; check < 50; check++) {
    const shown = await ipCommand(
      "-n",
      ns,
      "-6",
      "-o",
      "addr",
      "show",
      "dev",
      dev,
      "scope",
      "link",
    );
    if (shown.includes("fe80::") && !shown.includes("tentative")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${dev} in ${ns} got no usable link-local address`);
}

/**
 * Adds a default route in a pair's first namespace through the second: every
 * datagram for elsewhere then goes out through the veth.
 */
export async function addDefaultRoute(pair: NamespacePair): Promise<void> {
  await ipCommand(
    "-n",
    pair.a,
    "route",
    "add",
    "default",
    "via",
    pair.addressB,
  );
}

/**
 * Two namespaces joined by a veth link, 198.51.100.0/24 (TEST-NET-2), and a
 * default route in the first through the second: the first is a machine on
 * a LAN, whose every datagram for elsewhere would go out through the veth.
 */
export async function lan(tag: string): Promise<NamespacePair> {
  const pair = await namespacePair(tag, "198.51.100");
  try {
    await addDefaultRoute(pair);
  } catch (error) {
    await pair[Symbol.asyncDispose]();
    throw error;
  }
  return pair;
}
