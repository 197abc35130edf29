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
import { concat, decode, ROOT, within } from "../_helpers.ts";

/** What a finished tool printed, and how it ended. */
export interface ToolResult {
  /** The exit code (128 + N if a signal N ended it). */
  code: number;
  /** Everything written to stdout, as bytes: replies are compared exactly. */
  stdout: Uint8Array;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options for running a tool. */
export interface ToolOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Bytes to write to the tool's stdin, which is then closed. */
  stdin?: Uint8Array;
  /** Kill the tool and fail if it runs longer than this (default 15 s). */
  timeoutMs?: number;
}

function spawn(
  command: string,
  args: string[],
  env: Record<string, string> | undefined,
  stdin: "piped" | "null",
): Deno.ChildProcess {
  return new Deno.Command(command, {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // it has already exited
  }
}

async function writeAndClose(
  child: Deno.ChildProcess,
  bytes: Uint8Array,
): Promise<void> {
  const writer = child.stdin.getWriter();
  try {
    await writer.write(bytes);
    await writer.close();
  } catch {
    // the tool exited without reading its input; its output says why
  }
}

/**
 * Runs a tool to its end and returns what it printed. Kills it if it runs
 * longer than `timeoutMs`, and then fails.
 */
export async function runTool(
  command: string,
  args: string[],
  options: ToolOptions = {},
): Promise<ToolResult> {
  const stdin = options.stdin ? "piped" : "null";
  const child = spawn(command, args, options.env, stdin);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    kill(child, "SIGKILL");
  }, timeoutMs);
  try {
    if (options.stdin) await writeAndClose(child, options.stdin);
    const output = await child.output();
    const stderr = decode(output.stderr);
    if (killed) {
      throw new Error(
        `${command} ${args.join(" ")} ran longer than ${timeoutMs} ms and ` +
          `was killed; stderr: ${JSON.stringify(stderr)}`,
      );
    }
    return { code: output.code, stdout: output.stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A tool running in the background; dispose of it to stop it. */
export interface RunningTool extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /** The match of the `ready` pattern it was started with, if any. */
  ready: RegExpExecArray | undefined;
  /**
   * Waits until the text of stdout or stderr matches `pattern`, and returns
   * the match. Fails after `timeoutMs`, showing what the tool printed.
   */
  waitFor(
    stream: "stdout" | "stderr",
    pattern: RegExp,
    timeoutMs?: number,
  ): Promise<RegExpExecArray>;
  /** Stdout so far, as bytes. */
  stdout(): Uint8Array;
  /** Stderr so far. */
  stderr(): string;
  /** Writes bytes to the tool's stdin (start it with `stdin: "piped"`). */
  write(bytes: Uint8Array): Promise<void>;
  /** Sends SIGTERM (SIGKILL 5 s later) and waits for the exit. */
  stop(): Promise<ToolResult>;
}

/**
 * Starts a tool in the background and collects its output. With
 * `ready`, waits for its stdout or stderr to match before returning, and
 * stops it if that never happens.
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
  const child = spawn(command, args, options.env, options.stdin ?? "null");
  const out: Uint8Array[] = [];
  let err = "";
  const changed = new Set<() => void>();
  async function collect(
    stream: ReadableStream<Uint8Array>,
    add: (chunk: Uint8Array) => void,
  ) {
    for await (const chunk of stream) {
      add(chunk);
      for (const notify of changed) notify();
    }
  }
  const errors = new TextDecoder();
  const reading = Promise.all([
    collect(child.stdout, (chunk) => out.push(chunk)),
    collect(
      child.stderr,
      (chunk) => err += errors.decode(chunk, { stream: true }),
    ),
  ]);
  const writer = options.stdin === "piped"
    ? child.stdin.getWriter()
    : undefined;
  const text = {
    stdout: () => decode(concat(...out)),
    stderr: () => err,
  };

  let exited = false;
  child.status.then(() => {
    exited = true;
    for (const notify of changed) notify();
  });

  async function waitFor(
    stream: "stdout" | "stderr",
    pattern: RegExp,
    timeoutMs = 10_000,
  ): Promise<RegExpExecArray> {
    let wake = () => {};
    const waiting = (async () => {
      while (true) {
        const match = pattern.exec(text[stream]());
        if (match !== null) return match;
        if (exited) {
          await reading; // the last output may still be on its way
          const last = pattern.exec(text[stream]());
          if (last !== null) return last;
          throw new Error(
            `${command} exited before printing ${pattern} on ${stream}; ` +
              `stdout: ${JSON.stringify(text.stdout())}, stderr: ${
                JSON.stringify(err)
              }`,
          );
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          changed.add(resolve);
        });
        changed.delete(wake);
      }
    })();
    try {
      return await within(
        timeoutMs,
        `${command} to print ${pattern} on ${stream}; stdout so far: ${
          JSON.stringify(text.stdout())
        }, stderr: ${JSON.stringify(err)}`,
        waiting,
      );
    } finally {
      changed.delete(wake);
      wake();
    }
  }

  let result: Promise<ToolResult> | undefined;
  function stop(): Promise<ToolResult> {
    result ??= (async () => {
      await writer?.close().catch(() => {});
      kill(child, "SIGTERM");
      const timer = setTimeout(() => kill(child, "SIGKILL"), 5_000);
      const status = await child.status;
      clearTimeout(timer);
      await within(5_000, `${command} to close its output`, reading);
      return { code: status.code, stdout: concat(...out), stderr: err };
    })();
    return result;
  }

  const running: RunningTool = {
    child,
    ready: undefined,
    waitFor,
    stdout: () => concat(...out),
    stderr: () => err,
    async write(bytes: Uint8Array) {
      if (writer === undefined) throw new Error("start it with stdin: piped");
      await writer.write(bytes);
    },
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
  if (options.ready) {
    try {
      running.ready = await waitFor(
        options.ready.stream,
        options.ready.pattern,
      );
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return running;
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
