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
  ipCommand,
  type NamespacePair,
  networkNamespaces,
  type RunningTool,
  runTool,
  startTool,
} from "../interop/_tools.ts";
import {
  type Endpoint,
  forge,
  type PairCount,
  type Sniffed,
  startSniffer,
} from "./_forge.ts";
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

/** A network namespace with only its loopback, up; dispose of it to delete it. */
export interface LoopbackNamespace extends AsyncDisposable {
  /** Its name, `udpdeno-TAG-PID`. */
  name: string;
  /** The command and arguments that run `command args…` inside it. */
  exec(command: string, args: string[]): [string, string[]];
}

/**
 * Makes a network namespace whose only interface is its own loopback, up:
 * a machine of its own, where any port is free and nothing reaches the
 * host's services. Needs root and `ip` (Debian package iproute2).
 *
 * @param tag A short word that names it, with this process's id.
 */
export async function loopbackNamespace(
  tag: string,
): Promise<LoopbackNamespace> {
  const name = `udpdeno-${tag}-${Deno.pid}`;
  await ipCommand("netns", "add", name);
  async function remove(): Promise<void> {
    await runTool("ip", ["netns", "delete", name], { timeoutMs: 10_000 });
    if ((await networkNamespaces()).includes(name)) {
      throw new Error(`network namespace left behind: ${name}`);
    }
  }
  try {
    await ipCommand("-n", name, "link", "set", "lo", "up");
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    name,
    exec: (command, args) => ["ip", ["netns", "exec", name, command, ...args]],
    [Symbol.asyncDispose]: remove,
  };
}

/**
 * The services of the loop tests, as `tools/services.py` plays them: each
 * answers whatever it is sent, as services others wrote do. `port` 0 means
 * any free one (a high port).
 */
export const LOOP_SERVICES: readonly {
  id: string;
  kind: string;
  port: number;
}[] = [
  { id: "constant", kind: "constant", port: 0 },
  { id: "dns-53", kind: "dns", port: 53 },
  { id: "dns", kind: "dns", port: 0 },
  { id: "chargen", kind: "chargen", port: 0 },
  { id: "echo", kind: "echo", port: 0 },
  { id: "upper", kind: "upper", port: 0 },
  { id: "slow-echo", kind: "slow-echo", port: 0 },
];

/** The servers of the loop tests, and the flags each runs with. */
export const LOOP_SERVERS: readonly {
  id: string;
  name: string;
  args: string[];
}[] = [
  { id: "echo", name: "echo_server", args: [] },
  { id: "echo --prefix A", name: "echo_server", args: ["--prefix", "A"] },
  { id: 'echo --prefix ""', name: "echo_server", args: ["--prefix", ""] },
  { id: "hello", name: "hello_server", args: [] },
  { id: "time", name: "time_server", args: [] },
  { id: "size", name: "size_server", args: [] },
];

/**
 * How long the datagrams are counted after the forged one: long enough to
 * see an exchange go on past 1 s, and past a second echo of the slow echo.
 */
export const LOOP_WATCH_MS = { fast: 1_500, slow: 2_500 };

/** One exchange of {@linkcode serviceLoops}. */
export interface LoopExchange {
  /** The service's id, from {@linkcode LOOP_SERVICES}. */
  service: string;
  /** The server's id, from {@linkcode LOOP_SERVERS}. */
  server: string;
  /** Datagrams the server sent the service. */
  datagrams: number;
  /** Datagrams the service sent the server, the forged one included. */
  fromService: number;
  /**
   * Milliseconds from the forged datagram to the server's last one to the
   * service; null if it sent none.
   */
  ms: number | null;
  /** The lines the server wrote on stderr about not answering. */
  refusals: string[];
  /** The service's address, as those lines should name it. */
  peer: string;
}

/** A server script started inside a namespace, on its default host. */
async function startServerIn(
  net: LoopbackNamespace,
  name: string,
  args: string[],
): Promise<RunningTool & { port: number }> {
  const [command, fullArgs] = net.exec(Deno.execPath(), [
    "run",
    "-N",
    `scripts/${name}.ts`,
    "--port",
    "0",
    ...args,
  ]);
  const server = await startTool(command, fullArgs, {
    ready: { stream: "stdout", pattern: / listening on 127\.0\.0\.1:(\d+)$/m },
  });
  return Object.assign(server, { port: Number(server.ready?.[1]) });
}

/**
 * One datagram forged "from" each service to each server: in a network
 * namespace made here, each service of {@linkcode LOOP_SERVICES} is played
 * by `tools/services.py` and each server of {@linkcode LOOP_SERVERS} runs
 * with its default host; a raw socket sends one `hello` whose source is the
 * service, and a packet socket counts, each way, every datagram between
 * the two for {@linkcode LOOP_WATCH_MS} after it. Every server is started
 * afresh for each service, so its stderr holds that exchange alone. Needs
 * root, python3 and `ip`.
 */
export async function serviceLoops(
  services = LOOP_SERVICES,
  servers = LOOP_SERVERS,
): Promise<LoopExchange[]> {
  await using net = await loopbackNamespace("loops");
  const exchanges: LoopExchange[] = [];
  for (const service of services) {
    const [command, args] = net.exec("python3", [
      `${ROOT}tools/services.py`,
      service.kind,
      "--port",
      String(service.port),
      "--seconds",
      "120",
    ]);
    await using played = await startTool(command, args, {
      ready: { stream: "stderr", pattern: /on 127\.0\.0\.1:(\d+)$/m },
    });
    const servicePort = Number(played.ready?.[1]);
    const started = await Promise.all(
      servers.map(({ name, args }) => startServerIn(net, name, args)),
    );
    try {
      await using sniffer = await startSniffer({
        netns: net.name,
        port: servicePort,
      });
      const watch = service.kind === "slow-echo"
        ? LOOP_WATCH_MS.slow
        : LOOP_WATCH_MS.fast;
      for (const server of started) {
        await forge(
          { hostname: "127.0.0.1", port: servicePort },
          { hostname: "127.0.0.1", port: server.port },
          { payload: encode("hello"), netns: net.name },
        );
        await sleep(watch);
      }
      const { pairs } = await sniffer.stop();
      for (const [i, server] of started.entries()) {
        const none: PairCount = { packets: 0, firstAt: 0, lastAt: 0 };
        const sent = pairs[`${server.port}>${servicePort}`] ?? none;
        const received = pairs[`${servicePort}>${server.port}`] ?? none;
        const { stderr } = await server.stop();
        exchanges.push({
          service: service.id,
          server: servers[i].id,
          datagrams: sent.packets,
          fromService: received.packets,
          ms: sent.packets === 0
            ? null
            : Math.round(1000 * (sent.lastAt - received.firstAt)),
          refusals: stderr.split("\n").filter((line) =>
            line.startsWith("not answering")
          ),
          peer: `127.0.0.1:${servicePort}`,
        });
      }
    } finally {
      await Promise.all(started.map((server) => server.stop()));
    }
  }
  return exchanges;
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

/**
 * How many client ports the floods here spread their requests over, in
 * turn, as that many clients would. A server answers one port a burst of
 * 100, then 500 a second (`lib/guards.ts`): a flood from one port would
 * test that budget, not the server.
 */
export const CLIENT_PORTS = 256;

/** What {@linkcode requestsFromManyPorts} sends, and how it checks replies. */
export interface ManyPorts {
  /** How many requests. */
  count: number;
  /** How many are in flight at a time, at most {@linkcode CLIENT_PORTS}. */
  window: number;
  /** How long each reply may take. */
  timeoutMs: number;
  /** Request `i`. */
  request(i: number): Uint8Array;
  /** Why reply `i` is wrong, or undefined if it is right. */
  check(reply: Uint8Array, i: number): string | undefined;
}

/**
 * Sends `count` requests to `server` from {@linkcode CLIENT_PORTS} client
 * sockets, `window` in flight at a time: each in-flight request has sockets
 * of its own, used in turn, one request at a time, so a reply always comes
 * back to the socket that waits for it. Stops at the first reply that is
 * wrong or missing, and returns how many were answered rightly before it,
 * and why it stopped.
 */
export async function requestsFromManyPorts(
  server: Deno.NetAddr,
  { count, window, timeoutMs, request, check }: ManyPorts,
): Promise<{ answered: number; failure?: string }> {
  const conns = Array.from(
    { length: CLIENT_PORTS },
    () => clientSocket(server.hostname),
  );
  let next = 0;
  let answered = 0;
  let failure: string | undefined;
  async function lane(first: number): Promise<void> {
    const own = conns.filter((_, index) => index % window === first);
    for (let turn = 0; failure === undefined && next < count; turn++) {
      const i = next++;
      const conn = own[turn % own.length];
      await conn.send(request(i), server);
      const reply = await within(
        timeoutMs,
        `reply ${i + 1} of ${count}`,
        conn.receive(),
      ).then(([data]) => data, (error) => error as Error);
      const wrong = reply instanceof Error ? reply.message : check(reply, i);
      if (wrong !== undefined) {
        failure ??= wrong;
        return;
      }
      answered++;
    }
  }
  try {
    await Promise.all(
      Array.from({ length: Math.min(window, CLIENT_PORTS) }, (_, i) => lane(i)),
    );
  } finally {
    for (const conn of conns) conn.close();
  }
  return { answered, failure };
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
 * answered before the next takes its place, from {@linkcode CLIENT_PORTS}
 * ports in turn, and reads the server's memory before and after. Fails if a
 * reply is not `replyLength` bytes long, or does not come within 5 s.
 */
export async function floodWithPayload(
  server: Pick<RunningScript, "address" | "child">,
  { size, count, window }: PayloadFlood,
  replyLength: number,
): Promise<PayloadFloodFigures> {
  const payload = encode("x".repeat(size));
  // A first exchange, so that memory is measured from a server at work.
  await persistentExchange(server.address, payload);
  const rssBefore = await residentBytes(server.child.pid);
  const { answered, failure } = await requestsFromManyPorts(server.address, {
    count,
    window,
    timeoutMs: 5_000,
    request: () => payload,
    check: (reply, i) =>
      reply.length === replyLength
        ? undefined
        : `reply ${i + 1} is ${reply.length} bytes, not ${replyLength}: ` +
          JSON.stringify(decode(reply.subarray(0, 40))),
  });
  if (failure !== undefined) {
    // Say whether the server is gone (a crash) or only silent.
    const exited = await Promise.race([
      server.child.status.then(({ code, signal }) =>
        `; the server had exited (code ${code}, signal ${signal})`
      ),
      new Promise<string>((resolve) => setTimeout(resolve, 100, "")),
    ]);
    throw new Error(`${failure}${exited}`);
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
 * before the next, from {@linkcode CLIENT_PORTS} ports in turn, and returns
 * how many were answered correctly: it stops at the first wrong reply, or
 * the first one that takes over 2 s.
 */
export async function requestsWhileLogStalled(
  server: StalledServer,
  count: number,
): Promise<number> {
  const { answered } = await requestsFromManyPorts(server.address, {
    count,
    window: 1,
    timeoutMs: 2_000,
    request: stalledRequest,
    check: (reply, i) =>
      decode(reply) === `OK...${decode(stalledRequest(i))}`
        ? undefined
        : "a wrong reply",
  });
  return answered;
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
 * Fills a stalled server's log (1,000 requests from {@linkcode CLIENT_PORTS}
 * ports, about 230 KB of log, more than a pipe holds), sends it `signal`,
 * and times its end (3 s at most).
 */
export async function endWhileLogBlocked(
  server: StalledServer,
  signal: "SIGTERM" | "SIGINT",
): Promise<SignalEnd> {
  // From CLIENT_PORTS ports in turn: each stays within its budget, so every
  // request is answered and logged.
  const conns = Array.from({ length: CLIENT_PORTS }, () => clientSocket());
  try {
    for (let i = 0; i < 1_000; i++) {
      await conns[i % conns.length].send(stalledRequest(i), server.address);
      if (i % 100 === 99) await sleep(5);
    }
    await sleep(300);
  } finally {
    for (const conn of conns) conn.close();
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
