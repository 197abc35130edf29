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

/** Whether this process runs as root (asked of `id`, so no `--allow-sys`). */
export async function runningAsRoot(): Promise<Requirement> {
  const { code, stdout } = await runTool("id", ["-u"], { timeoutMs: 5_000 })
    .catch(() => ({ code: 1, stdout: new Uint8Array() }));
  const root = code === 0 && decode(stdout).trim() === "0";
  return {
    met: root,
    reason: root
      ? "running as root"
      : "not running as root; the test creates network namespaces (CI runs it as root)",
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
