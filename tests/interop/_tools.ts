/**
 * Helpers for the interop tests: find the outside tools they need (`nc`,
 * `socat`, `rdate`, `ip`), register a test as ignored with a visible reason
 * when one is missing, and run those tools as real processes that always end.
 *
 * A missing tool only ignores a test on a developer's machine. Under
 * `CI=true` the test runs anyway and fails with the same reason, so CI can
 * never pass by skipping.
 *
 * Permissions: the test process needs `--allow-run` (for the tools, for `sh`
 * and for `id`). `CI` is read with `--allow-env`, or `--allow-env=CI`; without
 * it, it is read from a child shell, which inherits the real environment.
 *
 * @module
 */
import {
  decode,
  type ProcessResult,
  type RunningProcess,
  runProcess,
  startProcess,
} from "../_helpers.ts";

/** What a finished tool printed: its stdout as bytes, compared exactly. */
export type ToolResult = ProcessResult;

/** Runs a tool to its end (see {@linkcode runProcess}). */
export const runTool = runProcess;

/** A tool running in the background; dispose of it to stop it. */
export interface RunningTool extends RunningProcess {
  /** The match of the `ready` pattern it was started with, if any. */
  ready: RegExpExecArray | undefined;
}

/**
 * Starts a tool in the background and collects its output. With `ready`,
 * waits for its stdout or stderr to match before returning, and stops it if
 * that never happens.
 */
export async function startTool(
  command: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    stdin?: "piped" | "null";
    ready?: { stream: "stdout" | "stderr"; pattern: RegExp };
  } = {},
): Promise<RunningTool> {
  const running = startProcess(command, args, options);
  let ready: RegExpExecArray | undefined;
  if (options.ready) {
    try {
      ready = await running.waitFor(
        options.ready.stream,
        options.ready.pattern,
      );
    } catch (error) {
      await running.stop();
      throw error;
    }
  }
  return { ...running, ready };
}

/** Something a test needs from this machine. */
export interface Requirement {
  /** True when the test can run. */
  met: boolean;
  /** What is missing and what to do, e.g. `nc not found; install …`. */
  reason: string;
}

/**
 * Finds a tool on the PATH. With `identify`, also checks that it is the
 * right implementation (the tests need OpenBSD netcat's `-u`, `-w`, `-p`).
 */
export async function findTool(
  name: string,
  debianPackage: string,
  identify?: { args: string[]; includes: string },
): Promise<Requirement> {
  const install = `install Debian package ${debianPackage}`;
  const { code } = await runTool("sh", ["-c", `command -v ${name}`], {
    timeoutMs: 5_000,
  });
  if (code !== 0) {
    return { met: false, reason: `${name} not found; ${install}` };
  }
  if (identify) {
    const { stdout, stderr } = await runTool(name, identify.args, {
      timeoutMs: 5_000,
    }).catch((error) => ({ stdout: new Uint8Array(), stderr: String(error) }));
    if (!(decode(stdout) + stderr).includes(identify.includes)) {
      return {
        met: false,
        reason: `${name} is not ${identify.includes}; ${install}`,
      };
    }
  }
  return { met: true, reason: `${name} found` };
}

/**
 * Whether this process runs as root (asked of `id`, so no `--allow-sys`).
 *
 * @param needs What the test does that needs root, for the reason shown
 *   when it is ignored.
 */
export async function runningAsRoot(
  needs = "the test creates network namespaces",
): Promise<Requirement> {
  const { code, stdout } = await runTool("id", ["-u"], { timeoutMs: 5_000 })
    .catch(() => ({ code: 1, stdout: new Uint8Array() }));
  const root = code === 0 && decode(stdout).trim() === "0";
  return {
    met: root,
    reason: root
      ? "running as root"
      : `not running as root; ${needs} (CI runs it as root)`,
  };
}

async function readCi(): Promise<boolean> {
  const { state } = await Deno.permissions.query({
    name: "env",
    variable: "CI",
  });
  if (state === "granted") return Deno.env.get("CI") === "true";
  const { stdout } = await runTool("sh", ["-c", 'printf %s "${CI-}"'], {
    timeoutMs: 5_000,
  });
  return decode(stdout) === "true";
}

/** True when `CI=true`: then no interop test may be ignored. */
export const CI: boolean = await readCi();

/**
 * Registers a test that needs outside tools. When one is missing it is
 * ignored, with one line on the console saying what to install; under
 * `CI=true` it runs anyway and fails with that reason.
 */
export function interopTest(
  name: string,
  requirements: Requirement[],
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  const missing = requirements.filter((r) => !r.met).map((r) => r.reason);
  const ignore = missing.length > 0 && !CI;
  if (ignore) console.log(`ignored: ${missing.join("; ")} — ${name}`);
  Deno.test({
    name,
    ignore,
    async fn(t) {
      if (missing.length > 0) {
        throw new Error(
          `CI=true, so this test must run, but: ${missing.join("; ")}`,
        );
      }
      await fn(t);
    },
  });
}

/**
 * A UDP port that was free a moment ago, for a tool that cannot be told to
 * pick its own and report it (`nc -p`, `socat UDP-RECVFROM`).
 */
export function freePort(hostname = "127.0.0.1"): number {
  const conn = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  try {
    return (conn.addr as Deno.NetAddr).port;
  } finally {
    conn.close();
  }
}

/** Runs `ip ARGS…` and fails with its stderr if it does not exit 0. */
export async function ipCommand(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runTool("ip", args, {
    timeoutMs: 10_000,
  });
  if (code !== 0) throw new Error(`ip ${args.join(" ")}: ${stderr.trim()}`);
  return decode(stdout);
}

/** The network namespaces on this machine, by name. */
export async function networkNamespaces(): Promise<string[]> {
  const listed = await ipCommand("netns", "list");
  return listed.split("\n").map((line) => line.split(" ")[0]).filter(Boolean);
}

/**
 * Two network namespaces joined by a veth pair: two "hosts" on one subnet
 * that exists only inside them. Dispose of it to delete both namespaces
 * (and so the pair); that fails if either is left behind.
 */
export interface NamespacePair extends AsyncDisposable {
  /** The first namespace, whose end of the link is `veth-a`. */
  a: string;
  /** The second namespace, whose end of the link is `veth-b`. */
  b: string;
  /** The address of `veth-a`: the subnet's `.1`. */
  addressA: string;
  /** The address of `veth-b`: the subnet's `.2`. */
  addressB: string;
  /** The subnet's broadcast address, such as `.255` for a /24. */
  broadcast: string;
  /** The command and arguments that run `command args…` inside `ns`. */
  exec(ns: string, command: string, args: string[]): [string, string[]];
}

/**
 * Makes two network namespaces joined by a veth pair, each end with an
 * address on `subnet` (such as `10.77.0`, its `.1` and `.2`) and up, and
 * waits (a bounded number of times) until the link is up on both sides.
 * Needs root and `ip` (Debian package iproute2).
 *
 * @param tag A short word that names the namespaces, with this process's id.
 * @param subnet The first three octets of the network, whose last is 0.
 * @param prefixLength The network's prefix length, 24 to 30 (default 24).
 */
export async function namespacePair(
  tag: string,
  subnet: string,
  prefixLength = 24,
): Promise<NamespacePair> {
  if (prefixLength < 24 || prefixLength > 30) {
    throw new RangeError(`prefix length ${prefixLength} is not 24 to 30`);
  }
  const a = `udpdeno-${tag}-a-${Deno.pid}`;
  const b = `udpdeno-${tag}-b-${Deno.pid}`;
  const made: string[] = [];
  async function remove(): Promise<void> {
    // Deleting a namespace deletes the veth end inside it, and so the pair.
    for (const ns of made) {
      await runTool("ip", ["netns", "delete", ns], { timeoutMs: 10_000 });
    }
    const left = (await networkNamespaces()).filter((ns) => made.includes(ns));
    if (left.length > 0) {
      throw new Error(`network namespaces left behind: ${left.join(", ")}`);
    }
  }
  try {
    for (const ns of [a, b]) {
      await ipCommand("netns", "add", ns);
      made.push(ns);
    }
    await ipCommand(
      "link",
      "add",
      "veth-a",
      "netns",
      a,
      "type",
      "veth",
      "peer",
      "name",
      "veth-b",
      "netns",
      b,
    );
    for (const [ns, dev, host] of [[a, "veth-a", "1"], [b, "veth-b", "2"]]) {
      const address = `${subnet}.${host}/${prefixLength}`;
      await ipCommand("-n", ns, "addr", "add", address, "brd", "+", "dev", dev);
      await ipCommand("-n", ns, "link", "set", "lo", "up");
      await ipCommand("-n", ns, "link", "set", dev, "up");
    }
    for (let check = 0;; check++) {
      const up = await Promise.all([
        ipCommand("-n", a, "-o", "link", "show", "dev", "veth-a"),
        ipCommand("-n", b, "-o", "link", "show", "dev", "veth-b"),
      ]);
      if (up.every((line) => line.includes("LOWER_UP"))) break;
      if (check === 50) throw new Error("the veth link did not come up");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    a,
    b,
    addressA: `${subnet}.1`,
    addressB: `${subnet}.2`,
    broadcast: `${subnet}.${2 ** (32 - prefixLength) - 1}`,
    exec: (
      ns,
      command,
      args,
    ) => ["ip", ["netns", "exec", ns, command, ...args]],
    [Symbol.asyncDispose]: remove,
  };
}
