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

/** What a finished script printed, and how it ended. */
export interface ScriptResult {
  /** The exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options for starting a script. */
export interface ScriptOptions {
  /** Extra environment variables (NO_COLOR=1 and TZ=UTC are always set). */
  env?: Record<string, string>;
  /** Bytes to write to the script's stdin, which is then closed. */
  stdin?: Uint8Array;
  /** Give up and kill the script after this long (default 15 s). */
  timeoutMs?: number;
}

function command(
  name: string,
  args: string[],
  options: ScriptOptions,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-N", `scripts/${name}.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", TZ: "UTC", ...options.env },
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  });
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
  const child = command(name, args, options).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const output = await child.output();
    if (output.signal === "SIGKILL") {
      throw new Error(`${name} ran longer than ${timeoutMs} ms and was killed`);
    }
    return {
      code: output.code,
      stdout: decode(output.stdout),
      stderr: decode(output.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
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

const READY = / listening on (\[[^\]]+\]|[^:\s]+):(\d+)$/m;

/**
 * Starts a server script and waits for its ready line, which names the
 * address it listens on (so `--port 0` works).
 */
export async function startScript(
  name: string,
  args: string[] = [],
  options: ScriptOptions = {},
): Promise<RunningScript> {
  const child = command(name, args, options).spawn();
  let out = "";
  let err = "";
  const changed = new Set<() => void>();
  async function collect(
    stream: ReadableStream<Uint8Array>,
    add: (text: string) => void,
  ) {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      add(chunk);
      for (const notify of changed) notify();
    }
  }
  const reading = Promise.all([
    collect(child.stdout, (text) => out += text),
    collect(child.stderr, (text) => err += text),
  ]);

  async function waitForLine(pattern: RegExp, timeoutMs = 10_000) {
    let wake = () => {};
    const found = () => out.split("\n").find((line) => pattern.test(line));
    const waiting = (async () => {
      while (found() === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          changed.add(resolve);
        });
        changed.delete(wake);
      }
      return found() as string;
    })();
    try {
      return await within(
        timeoutMs,
        `${name} to print a line matching ${pattern}; end of stdout so far: ${
          JSON.stringify(out.slice(-300))
        }, stderr: ${JSON.stringify(err.slice(-300))}`,
        waiting,
      );
    } finally {
      changed.delete(wake);
      wake();
    }
  }

  let result: Promise<ScriptResult> | undefined;
  function stop(): Promise<ScriptResult> {
    result ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      const status = await child.status;
      clearTimeout(timer);
      await reading;
      return { code: status.code, stdout: out, stderr: err };
    })();
    return result;
  }

  try {
    const line = await waitForLine(READY);
    const [, host, port] = READY.exec(line) ?? [];
    return {
      address: {
        transport: "udp",
        hostname: host.replace(/^\[|\]$/g, ""),
        port: Number(port),
      },
      child,
      waitForLine,
      stdout: () => out,
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
