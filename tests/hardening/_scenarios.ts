/**
 * The attacks of the hardening tests, each as one function that runs it and
 * returns what happened: the tests assert on the result, and
 * `deno task reliability` reports it on the reliability page. Forged
 * datagrams need root (see `_forge.ts`); everything stays on loopback or in
 * network namespaces the caller made.
 *
 * @module
 */
import {
  clientSocket,
  decode,
  encode,
  ROOT,
  type RunningScript,
  sleep,
  within,
} from "../_helpers.ts";
import {
  freePort,
  type NamespacePair,
  type RunningTool,
  startTool,
} from "../interop/_tools.ts";
import { type Endpoint, forge, type Sniffed, startSniffer } from "./_forge.ts";
import { persistentExchange, residentBytes } from "./_measure.ts";

/** The servers that answer, each started with its default flags. */
export const ANSWERING_SERVERS: readonly string[] = [
  "echo_server",
  "hello_server",
  "time_server",
  "size_server",
];

/** A request each answering server answers, and a check of its reply. */
export const PROBES: Record<
  string,
  [Uint8Array, (reply: Uint8Array) => boolean]
> = {
  echo_server: [encode("probe"), (r) => decode(r) === "OK...probe"],
  hello_server: [encode("probe"), (r) => decode(r) === "Hello, probe!"],
  time_server: [new Uint8Array(), (r) => r.length === 4],
  size_server: [encode("probe"), (r) => decode(r) === "Your data was 5 bytes"],
};

/**
 * Sends the server its probe (retrying, about 6 s in all) and returns why
 * the reply was wrong, or undefined if it was right. Fails if none came.
 */
export async function probeFails(
  name: string,
  server: Endpoint,
): Promise<string | undefined> {
  const [request, check] = PROBES[name];
  const reply = await persistentExchange(
    { transport: "udp", ...server },
    request,
  );
  return check(reply)
    ? undefined
    : `${name} answered ${JSON.stringify(decode(reply))}`;
}

/**
 * Sends one datagram forged from `from` to `to`, and counts every datagram
 * between the two ports, either way, the forged one included, until
 * `countMs` after it.
 */
export async function datagramsAfterForging(
  from: Endpoint,
  to: Endpoint,
  payload: Uint8Array,
  countMs = 600,
): Promise<Sniffed> {
  await using sniffer = await startSniffer({ between: [from.port, to.port] });
  await forge(from, to, { payload });
  await sleep(countMs);
  return await sniffer.stop();
}

/** Where {@linkcode repliesToForged} forges and counts. */
export interface Where {
  /** The interface to count on (default `lo`). */
  iface?: string;
  /** The network namespace to forge and count in. */
  netns?: string;
  /** How long to count after the request (default 500 ms). */
  countMs?: number;
}

/**
 * Forges one request (`hello`) from `from` to `server`, and counts the
 * datagrams the server sends, to anyone, in the next `countMs`.
 */
export async function repliesToForged(
  from: Endpoint,
  server: Endpoint,
  where: Where = {},
): Promise<Sniffed> {
  const { iface, netns, countMs = 500 } = where;
  await using sniffer = await startSniffer({
    iface,
    netns,
    fromPort: server.port,
  });
  await forge(from, server, { payload: encode("hello"), netns });
  await sleep(countMs);
  return await sniffer.stop();
}

/** A server script running inside a network namespace, on 0.0.0.0. */
export interface NamespacedServer {
  /** The script, such as `echo_server`. */
  name: string;
  /** The process. */
  server: RunningTool;
  /** The port from its ready line. */
  port: number;
}

/**
 * Starts each of `names` on 0.0.0.0 and a free port inside namespace `a` of
 * `hosts`, run with Deno `permissions`, as a user exposing them would. Stop
 * each one's `server` when done.
 */
export async function startInNamespace(
  hosts: NamespacePair,
  names: readonly string[],
  permissions: string[],
): Promise<NamespacedServer[]> {
  const started: NamespacedServer[] = [];
  try {
    for (const name of names) {
      const [command, args] = hosts.exec(hosts.a, Deno.execPath(), [
        "run",
        ...permissions,
        `scripts/${name}.ts`,
        "--host",
        "0.0.0.0",
        "--port",
        "0",
      ]);
      const server = await startTool(command, args, {
        ready: { stream: "stdout", pattern: /listening on 0\.0\.0\.0:(\d+)$/m },
      });
      started.push({ name, server, port: Number(server.ready?.[1]) });
    }
  } catch (error) {
    await Promise.all(started.map(({ server }) => server.stop()));
    throw error;
  }
  return started;
}

/** A socat echo reflector; dispose of it to stop it. */
export interface Reflector extends RunningTool {
  /** Where it listens. */
  address: Endpoint;
}

/**
 * Starts socat as a plain echo reflector (RFC 862, as inetd's echo service):
 * each datagram goes back to its sender, from socat's port.
 */
export async function startReflector(): Promise<Reflector> {
  const port = freePort();
  const reflector = await startTool("socat", [
    "-d",
    "-d",
    "-T",
    "1",
    `UDP4-RECVFROM:${port},bind=127.0.0.1,fork`,
    "EXEC:cat",
  ], {
    ready: { stream: "stderr", pattern: /receiving on AF=2 127\.0\.0\.1:/ },
  });
  return Object.assign(reflector, {
    address: { hostname: "127.0.0.1", port },
  });
}

/** Options for {@linkcode forgeFromDistinctSources}. */
export interface DistinctSources {
  /** The first source address; each datagram counts up from it. */
  first?: string;
  /** Datagrams a second (default 25,000: about what a server refuses without the kernel dropping many). */
  rate?: number;
}

/**
 * Sends `count` requests (`forged`) to `server`, each from its own address
 * and port, counting up from `first` (default `224.0.0.1`, multicast), and
 * waits 500 ms for the server to read the last ones. Returns how many were
 * sent.
 */
export async function forgeFromDistinctSources(
  server: Endpoint,
  count: number,
  options: DistinctSources = {},
): Promise<number> {
  const { first = "224.0.0.1", rate = 25_000 } = options;
  const { sent } = await forge({ hostname: first, port: 1024 }, server, {
    count,
    distinctSources: true,
    rate,
  });
  await sleep(500);
  return sent;
}

/** A payload flood, for {@linkcode floodWithPayload}. */
/**
 * The heap cap, in MiB, and the environment of a server under a payload
 * flood. Its JavaScript heap is
 * capped, so V8 cannot grow the heap a different amount on each run, and
 * glibc keeps two malloc arenas rather than one per thread: with one per
 * thread, the memory a flood leaves in them made the growth vary from about
 * 20 to 75 MiB from run to run.
 */
export const PAYLOAD_FLOOD_HEAP_MIB = 16;

/** See {@linkcode PAYLOAD_FLOOD_HEAP_MIB}. */
export const PAYLOAD_FLOOD_ENV: Readonly<Record<string, string>> = {
  DENO_V8_FLAGS: `--max-old-space-size=${PAYLOAD_FLOOD_HEAP_MIB}`,
  MALLOC_ARENA_MAX: "2",
};

export interface PayloadFlood {
  /** The payload's size in bytes. */
  size: number;
  /** How many requests. */
  count: number;
  /** How many are in flight at a time: within the server's receive buffer. */
  window: number;
}

/** What {@linkcode floodWithPayload} measured. */
export interface PayloadFloodFigures {
  /** Requests answered. */
  answered: number;
  /** Resident memory after the first exchange, in bytes (Linux). */
  rssBefore?: number;
  /** Resident memory after the last reply, in bytes (Linux). */
  rssAfter?: number;
}

/**
 * Sends `count` requests of `size` bytes, `window` in flight at a time, each
 * answered before the next takes its place, and reads the server's memory
 * before and after. Fails if a reply is not `replyLength` bytes long, or
 * does not come within 5 s.
 */
export async function floodWithPayload(
  server: Pick<RunningScript, "address" | "child">,
  { size, count, window }: PayloadFlood,
  replyLength: number,
): Promise<PayloadFloodFigures> {
  const payload = encode("x".repeat(size));
  const conn = clientSocket();
  let answered = 0;
  let rssBefore: number | undefined;
  try {
    // A first exchange, so that memory is measured from a server at work.
    await conn.send(payload, server.address);
    await within(5_000, "the first reply", conn.receive());
    rssBefore = await residentBytes(server.child.pid);
    let sent = 0;
    while (sent < window) {
      await conn.send(payload, server.address);
      sent++;
    }
    while (answered < count) {
      const [reply] = await within(
        5_000,
        `reply ${answered + 1} of ${count}`,
        conn.receive(),
      ).catch(async (error) => {
        // Say whether the server is gone (a crash) or only silent.
        const exited = await Promise.race([
          server.child.status.then(({ code, signal }) =>
            `; the server had exited (code ${code}, signal ${signal})`
          ),
          new Promise<string>((resolve) => setTimeout(resolve, 100, "")),
        ]);
        throw new Error(`${error.message}${exited}`);
      });
      if (reply.length !== replyLength) {
        throw new Error(
          `reply ${
            answered + 1
          } is ${reply.length} bytes, not ${replyLength}: ` +
            JSON.stringify(decode(reply.subarray(0, 40))),
        );
      }
      answered++;
      if (sent < count) {
        await conn.send(payload, server.address);
        sent++;
      }
    }
  } finally {
    conn.close();
  }
  const rssAfter = await residentBytes(server.child.pid);
  return { answered, rssBefore, rssAfter };
}

/** An echo server whose stdout is read only when asked. */
export interface StalledServer extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /** Where it listens. */
  address: Deno.NetAddr;
  /** What was read from stdout so far. */
  stdoutSoFar(): string;
  /** Reads stdout until `done` returns true for all read so far, or fails. */
  readStdoutUntil(
    done: (text: string) => boolean,
    timeoutMs: number,
  ): Promise<string>;
}

/**
 * Starts `NAME --port 0` (`echo_server` unless told) with its stdout piped,
 * reads the ready line, and then reads nothing more until asked: the pipe
 * fills as it would with `echo_server | sleep 1000`. Stderr is read all
 * along.
 */
export async function startStalledServer(
  name = "echo_server",
  env: Readonly<Record<string, string>> = {},
): Promise<StalledServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-N", `scripts/${name}.ts`, "--port", "0"],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeTo(new WritableStream()).catch(() => {});
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  async function readStdoutUntil(
    done: (text: string) => boolean,
    timeoutMs: number,
  ): Promise<string> {
    const reading = (async () => {
      while (!done(text)) {
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error(`stdout ended: ${JSON.stringify(text)}`);
        text += decoder.decode(value, { stream: true });
      }
      return text;
    })();
    return await within(timeoutMs, `${name}'s stdout`, reading);
  }
  const ready = / listening on 127\.0\.0\.1:(\d+)\n/;
  let port: number;
  try {
    port = Number(
      ready.exec(await readStdoutUntil((t) => ready.test(t), 10_000))?.[1],
    );
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw error;
  }
  return {
    child,
    address: { transport: "udp", hostname: "127.0.0.1", port },
    readStdoutUntil,
    stdoutSoFar: () => text,
    [Symbol.asyncDispose]: async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // it has already exited
      }
      await reader.cancel();
      await child.status;
      await stderr;
    },
  };
}

/** Request `i` to a stalled server: 200 printable bytes, about 230 logged. */
export const stalledRequest = (i: number): Uint8Array =>
  encode(`${String(i).padStart(8, "0")} ${"x".repeat(191)}`);

/**
 * Sends `count` requests to a stalled server one at a time, each answered
 * before the next, and returns how many were answered correctly: it stops
 * at the first wrong reply, or the first one that takes over 2 s.
 */
export async function requestsWhileLogStalled(
  server: StalledServer,
  count: number,
): Promise<number> {
  const conn = clientSocket();
  try {
    for (let i = 0; i < count; i++) {
      const payload = stalledRequest(i);
      await conn.send(payload, server.address);
      const [reply] = await within(2_000, "a reply", conn.receive())
        .catch(() => [undefined]);
      if (reply === undefined || decode(reply) !== `OK...${decode(payload)}`) {
        return i;
      }
    }
  } finally {
    conn.close();
  }
  return count;
}

/** What a log says it did with the requests it was sent. */
export interface LogTally {
  /** Lines logged for a request (`Message[…`). */
  logged: number;
  /** Lines counted as dropped, in all the `… N log lines dropped` lines. */
  dropped: number;
  /** How many `… N log lines dropped` lines there are. */
  summaries: number;
}

/** Counts, in the text of an echo server's stdout, what {@linkcode LogTally} says. */
export function tallyLog(text: string): LogTally {
  const summaries = [...text.matchAll(/^… ([\d,]+) log lines dropped$/gm)];
  return {
    logged: text.match(/^Message\[/gm)?.length ?? 0,
    dropped: summaries.reduce(
      (sum, [, count]) => sum + Number(count.replaceAll(",", "")),
      0,
    ),
    summaries: summaries.length,
  };
}

/** How a stalled server ended on a signal. */
export interface SignalEnd {
  /** Milliseconds from the signal to the exit, or undefined if it ran 3 s more. */
  ms?: number;
  /** Its exit code, if it ended. */
  code?: number;
}

/**
 * Fills a stalled server's log (1,000 requests, about 230 KB of log, more
 * than a pipe holds), sends it `signal`, and times its end (3 s at most).
 */
export async function endWhileLogBlocked(
  server: StalledServer,
  signal: "SIGTERM" | "SIGINT",
): Promise<SignalEnd> {
  const conn = clientSocket();
  try {
    for (let i = 0; i < 1_000; i++) {
      await conn.send(stalledRequest(i), server.address);
      if (i % 100 === 99) await sleep(5);
    }
    await sleep(300);
  } finally {
    conn.close();
  }
  const sent = performance.now();
  server.child.kill(signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    server.child.status,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 3_000);
    }),
  ]);
  clearTimeout(timer);
  if (status === undefined) return {};
  return { ms: Math.round(performance.now() - sent), code: status.code };
}

/** How long the reply of `echo_server` or `size_server` to `size` bytes is. */
export function replyLength(
  name: "echo_server" | "size_server",
  size: number,
): number {
  return name === "echo_server"
    ? "OK...".length + size
    : `Your data was ${size} bytes`.length;
}
