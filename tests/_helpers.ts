/**
 * Test helpers: start a script as a real process, read its ready line, talk
 * to it over loopback, and always end it. Every wait here has a bound.
 *
 * @module
 */

/** The repository's root folder. */
export const ROOT = new URL("../", import.meta.url).pathname;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes text as UTF-8 bytes. */
export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8 bytes as text. */
export function decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Joins byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for a promise, failing with `what` if it takes longer than `ms`.
 * The timer is always cleared, so Deno's sanitizers stay quiet.
 */
export async function within<T>(
  ms: number,
  what: string,
  promise: Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms: ${what}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a finished process printed, and how it ended. */
export interface ProcessResult {
  /** The exit code (128 + N if a signal N ended it). */
  code: number;
  /** Everything written to stdout, as bytes: replies are compared exactly. */
  stdout: Uint8Array;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options for running a process. */
export interface ProcessOptions {
  /** Extra environment variables (NO_COLOR=1 is always set). */
  env?: Record<string, string>;
  /** Bytes to write to stdin, which is then closed. */
  stdin?: Uint8Array;
  /** Kill the process and fail if it runs longer than this (default 15 s). */
  timeoutMs?: number;
  /** The folder it runs in; the repository's root by default. */
  cwd?: string;
}

function spawn(
  command: string,
  args: string[],
  env: Record<string, string> | undefined,
  stdin: "piped" | "null",
  cwd = ROOT,
): Deno.ChildProcess {
  return new Deno.Command(command, {
    args,
    cwd,
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
    // it exited without reading its input; its output says why
  }
}

/**
 * Runs a program to its end and returns what it printed. Kills it if it
 * runs longer than `timeoutMs`, and then fails.
 */
export async function runProcess(
  command: string,
  args: string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const child = spawn(
    command,
    args,
    options.env,
    options.stdin ? "piped" : "null",
    options.cwd,
  );
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

/** A program running in the background; dispose of it to stop it. */
export interface RunningProcess extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /**
   * Waits until `find` returns something, checking each time the process
   * prints, and returns it. Fails after `timeoutMs`, or as soon as the
   * process has exited without it, showing what the process printed.
   */
  waitUntil<T>(
    find: () => T | undefined,
    what: string,
    timeoutMs?: number,
  ): Promise<T>;
  /** Waits until the text of stdout or stderr matches `pattern`. */
  waitFor(
    stream: "stdout" | "stderr",
    pattern: RegExp,
    timeoutMs?: number,
  ): Promise<RegExpExecArray>;
  /** Stdout so far, as bytes. */
  stdout(): Uint8Array;
  /** Stdout so far, as text. */
  stdoutText(): string;
  /** Stderr so far. */
  stderr(): string;
  /** Writes bytes to stdin (start it with `stdin: "piped"`). */
  write(bytes: Uint8Array): Promise<void>;
  /** Sends SIGTERM (SIGKILL 5 s later) and waits for the exit. */
  stop(): Promise<ProcessResult>;
}

/** Starts a program in the background and collects everything it prints. */
export function startProcess(
  command: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    stdin?: "piped" | "null";
    cwd?: string;
  } = {},
): RunningProcess {
  const child = spawn(
    command,
    args,
    options.env,
    options.stdin ?? "null",
    options.cwd,
  );
  const out: Uint8Array[] = [];
  let outText = "";
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
  const outDecoder = new TextDecoder();
  const errDecoder = new TextDecoder();
  const reading = Promise.all([
    collect(child.stdout, (chunk) => {
      out.push(chunk);
      outText += outDecoder.decode(chunk, { stream: true });
    }),
    collect(child.stderr, (chunk) => {
      err += errDecoder.decode(chunk, { stream: true });
    }),
  ]);
  const writer = options.stdin === "piped"
    ? child.stdin.getWriter()
    : undefined;

  let exited = false;
  child.status.then(() => {
    exited = true;
    for (const notify of changed) notify();
  });

  function printed(): string {
    return `end of stdout: ${JSON.stringify(outText.slice(-300))}, ` +
      `stderr: ${JSON.stringify(err.slice(-300))}`;
  }

  async function waitUntil<T>(
    find: () => T | undefined,
    what: string,
    timeoutMs = 10_000,
  ): Promise<T> {
    let wake = () => {};
    const waiting = (async () => {
      while (true) {
        const found = find();
        if (found !== undefined) return found;
        if (exited) {
          await reading; // the last output may still be on its way
          const last = find();
          if (last !== undefined) return last;
          throw new Error(`${command} exited before ${what}; ${printed()}`);
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
        `${command}: ${what}; ${printed()}`,
        waiting,
      );
    } finally {
      changed.delete(wake);
      wake();
    }
  }

  let result: Promise<ProcessResult> | undefined;
  function stop(): Promise<ProcessResult> {
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

  return {
    child,
    waitUntil,
    waitFor: (stream, pattern, timeoutMs) =>
      waitUntil(
        () => pattern.exec(stream === "stdout" ? outText : err) ?? undefined,
        `printing ${pattern} on ${stream}`,
        timeoutMs,
      ),
    stdout: () => concat(...out),
    stdoutText: () => outText,
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
}

/** What a finished script printed, and how it ended. */
export interface ScriptResult {
  /** The exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options for running a script. */
export interface ScriptOptions extends ProcessOptions {
  /** Extra environment variables (NO_COLOR=1 and TZ=UTC are always set). */
  env?: Record<string, string>;
}

/**
 * `deno run` for a script. A name under `minimal/` (`minimal/echo_server`)
 * runs as its page says, with no deno.json to lean on:
 * `deno run --no-config -N --unstable-net`.
 */
function scriptArgs(name: string, args: string[]): string[] {
  const flags = name.startsWith("minimal/")
    ? ["--no-config", "-N", "--unstable-net"]
    : ["-N"];
  return ["run", ...flags, `scripts/${name}.ts`, ...args];
}

/**
 * Runs a script to its end and returns what it printed. Kills it if it runs
 * longer than `timeoutMs`, and then fails.
 */
export async function runScript(
  name: string,
  args: string[] = [],
  options: ScriptOptions = {},
): Promise<ScriptResult> {
  const result = await runProcess(Deno.execPath(), scriptArgs(name, args), {
    ...options,
    env: { TZ: "UTC", ...options.env },
  });
  return { ...result, stdout: decode(result.stdout) };
}

/** A script running in the background; dispose of it to stop it. */
export interface RunningScript extends AsyncDisposable {
  /** The address from the script's ready line. */
  address: Deno.NetAddr;
  /** The process. */
  child: Deno.ChildProcess;
  /** Waits until stdout has a line matching `pattern`, and returns it. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Stdout so far. */
  stdout(): string;
  /** Sends SIGTERM and waits for the exit; returns what it printed. */
  stop(): Promise<ScriptResult>;
}

const READY = / listening on (\[[^\]]+\]|[^:\s]+):(\d+)$/;

/**
 * Starts a server script and waits for its ready line, which names the
 * address it listens on (so `--port 0` works).
 */
export async function startScript(
  name: string,
  args: string[] = [],
  options: { env?: Record<string, string> } = {},
): Promise<RunningScript> {
  const running = startProcess(Deno.execPath(), scriptArgs(name, args), {
    env: { TZ: "UTC", ...options.env },
  });

  function waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return running.waitUntil(
      () => running.stdoutText().split("\n").find((line) => pattern.test(line)),
      `${name} to print a line matching ${pattern}`,
      timeoutMs,
    );
  }

  async function stop(): Promise<ScriptResult> {
    const result = await running.stop();
    return { ...result, stdout: decode(result.stdout) };
  }

  try {
    const [, host, port] = READY.exec(await waitForLine(READY)) ?? [];
    return {
      address: {
        transport: "udp",
        hostname: host.replace(/^\[|\]$/g, ""),
        port: Number(port),
      },
      child: running.child,
      waitForLine,
      stdout: running.stdoutText,
      stop,
      [Symbol.asyncDispose]: async () => {
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A UDP socket on a loopback address, for a test to stand in for a server or
 * a client; `using` closes it, unless the test already did.
 */
export function loopbackSocket(
  hostname = "127.0.0.1",
  port = 0,
): Deno.DatagramConn & Disposable {
  const conn = Deno.listenDatagram({ transport: "udp", hostname, port });
  return Object.assign(conn, {
    [Symbol.dispose]() {
      try {
        conn.close();
      } catch (error) {
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
    },
  });
}

/** The address of a UDP socket. */
export function addressOf(conn: Deno.DatagramConn): Deno.NetAddr {
  const addr = conn.addr;
  if (addr.transport !== "udp") throw new Error("not a UDP socket");
  return addr;
}

/** A client socket for tests, of the same family as `hostname`. */
export function clientSocket(hostname = "127.0.0.1"): Deno.DatagramConn {
  return Deno.listenDatagram({
    transport: "udp",
    hostname: hostname.includes(":") ? "::1" : "127.0.0.1",
    port: 0,
  });
}

/**
 * Sends one datagram from a fresh socket and returns the reply, failing if
 * none comes within `timeoutMs`.
 */
export async function exchange(
  to: Deno.NetAddr,
  payload: Uint8Array,
  timeoutMs = 5_000,
): Promise<Uint8Array> {
  const conn = clientSocket(to.hostname);
  try {
    await conn.send(payload, to);
    const [data] = await within(
      timeoutMs,
      `a reply from ${to.hostname}:${to.port}`,
      conn.receive(),
    );
    return data;
  } finally {
    conn.close();
  }
}

/**
 * Sends one datagram and reports whether any reply came within `waitMs`.
 * `from` picks the sending socket's address and port (a port below 1024
 * needs root); by default a fresh loopback socket of the target's family.
 */
export async function answered(
  to: Deno.NetAddr,
  payload: Uint8Array,
  options: { from?: { hostname: string; port: number }; waitMs?: number } = {},
): Promise<boolean> {
  const conn = options.from
    ? Deno.listenDatagram({ transport: "udp", ...options.from })
    : clientSocket(to.hostname);
  const pending = conn.receive();
  pending.catch(() => {});
  try {
    await conn.send(payload, to);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silence = new Promise<"silence">((resolve) => {
      timer = setTimeout(() => resolve("silence"), options.waitMs ?? 300);
    });
    const winner = await Promise.race([pending, silence]);
    clearTimeout(timer);
    return winner !== "silence";
  } finally {
    conn.close();
  }
}
