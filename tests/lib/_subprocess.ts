/**
 * Runs a few lines of TypeScript in a fresh Deno process, for the parts of
 * `lib/` that only show at the edges of a process: what reaches stdout and
 * when, exit codes, signals and permissions. The code is given on stdin to
 * `deno run -`, so it gets only the permissions asked for. Every wait here has
 * a bound, and every process is ended.
 *
 * @module
 */
import { decode, encode, ROOT, within } from "../_helpers.ts";

/** The `file:` URL of a module in `lib/`, to import from the code. */
export function libUrl(name: string): string {
  return new URL(`lib/${name}`, `file://${ROOT}`).href;
}

/** Options for {@linkcode runCode} and {@linkcode startCode}. */
export interface CodeOptions {
  /** Permission flags such as `-N`; none by default. */
  permissions?: string[];
  /** Arguments the code sees as `Deno.args`. */
  args?: string[];
  /** Extra environment variables (NO_COLOR=1 and TZ=UTC are always set). */
  env?: Record<string, string>;
  /** Leave `child.stdout` to the caller instead of collecting it. */
  ownStdout?: boolean;
}

/** How a process ended and what it printed. */
export interface CodeResult {
  /** The exit code. */
  code: number;
  /** The signal that ended it, if one did. */
  signal: Deno.Signal | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** A process running code; dispose of it to kill it. */
export interface RunningCode extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /** Waits until stdout contains `text`, and returns stdout so far. */
  waitForOutput(text: string, timeoutMs?: number): Promise<string>;
  /** Waits for the process to end (killing it after `timeoutMs`). */
  finished(timeoutMs?: number): Promise<CodeResult>;
}

/** Starts `code` in a new process and returns at once. */
export function startCode(
  code: string,
  options: CodeOptions = {},
): RunningCode {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...(options.permissions ?? []),
      "-",
      ...(options.args ?? []),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", TZ: "UTC", ...options.env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(encode(code));
    await writer.close();
  })();

  let stdout = "";
  const waiters = new Set<() => void>();
  const readingStdout = options.ownStdout ? Promise.resolve() : (async () => {
    for await (const chunk of child.stdout) {
      stdout += decode(chunk);
      for (const wake of waiters) wake();
    }
  })();
  const readingStderr = new Response(child.stderr).text();

  async function waitForOutput(text: string, timeoutMs = 10_000) {
    let wake = () => {};
    const waiting = (async () => {
      while (!stdout.includes(text)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          waiters.add(resolve);
        });
        waiters.delete(wake);
      }
      return stdout;
    })();
    try {
      return await within(
        timeoutMs,
        `${JSON.stringify(text)} on stdout; so far: ${JSON.stringify(stdout)}`,
        waiting,
      );
    } finally {
      waiters.delete(wake);
      wake();
    }
  }

  let result: Promise<CodeResult> | undefined;
  function finished(timeoutMs = 15_000): Promise<CodeResult> {
    result ??= (async () => {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        const status = await child.status;
        await writing;
        await readingStdout;
        const stderr = await readingStderr;
        if (status.signal === "SIGKILL") {
          throw new Error(
            `the code ran longer than ${timeoutMs} ms and was killed; ` +
              `stdout: ${JSON.stringify(stdout)}, stderr: ${
                JSON.stringify(stderr)
              }`,
          );
        }
        return { code: status.code, signal: status.signal, stdout, stderr };
      } finally {
        clearTimeout(timer);
      }
    })();
    return result;
  }

  return {
    child,
    waitForOutput,
    finished,
    [Symbol.asyncDispose]: async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already ended
      }
      await finished().catch(() => {});
    },
  };
}

/** Runs `code` in a new process to its end and returns what it printed. */
export function runCode(
  code: string,
  options: CodeOptions = {},
): Promise<CodeResult> {
  return startCode(code, options).finished();
}
