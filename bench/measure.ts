/**
 * The benchmark's measurements: one server under load, two servers in turn
 * (a paired comparison), client start-up, the time a log line takes to show
 * on a terminal, and the system calls made per datagram. `bench.ts` decides
 * what to run; this module runs it.
 *
 * Every process started here is stopped in a `finally`, and every wait is
 * bounded.
 *
 * @module
 */
import {
  BENCH_DIR,
  type CPrograms,
  type LatencyResult,
  runLoad,
  type TerminalResult,
  type ThroughputResult,
} from "./c_tools.ts";

/** The repository's root folder. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** Which reply the load generator accepts as good (`load.c --expect`). */
export type Expect = "echo" | "hello" | "time" | "size";

/** The programs a run may need. */
export interface Tools {
  deno: string;
  python?: string;
  node?: string;
  strace?: string;
  c: CPrograms;
}

/** How a server is driven. */
export interface LoadSettings {
  seconds: number;
  warmupSeconds: number;
  window: number;
  latencyRate: number;
  latencyCount: number;
}

/**
 * How many source ports (sockets) the load generator sends from, in turn, as
 * that many clients would. The servers give each sender a budget of answers
 * a second (`lib/guards.ts`): from one port, the benchmark would measure
 * that budget instead of the server. Spread over these, the fastest server
 * here asks less than half of the default budget of any one port.
 */
export const SOURCES = 2_000;

/** What one run of one server measured. */
export interface Run {
  replies_per_s: number;
  cpu_us_per_reply: number;
  rtt_p50_us: number;
  rtt_p99_us: number;
  peak_rss_mb: number;
  bad: number;
  late: number;
  lost: number;
  log_lines: number;
  dropped_lines: number;
  /** write() calls (the log's) per reply during the throughput run. */
  writes_per_reply: number;
  answered: number;
  /** Lines on the server's stderr saying its guards refused a request. */
  refusal_lines: number;
}

const READY = / listening on (\[[^\]]+\]|[^:\s]+):(\d+)/;
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// #region processes
/** A server process whose stdout goes to `outFile`. */
interface Running {
  child: Deno.ChildProcess;
  pid: number;
  port: number;
  outFile: string;
}

/**
 * Starts a server with stdout and stderr redirected to files (through
 * `sh -c 'exec …'`, so the PID is the server's own), pinned to `cpu` if
 * given, and waits up to 15 s for its ready line.
 */
async function startServer(
  command: string[],
  outFile: string,
  cpu: number | undefined,
): Promise<Running> {
  const pinned = cpu === undefined
    ? command
    : ["taskset", "-c", String(cpu), ...command];
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$@" >"$0" 2>"$0.err"', outFile, ...pinned],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !exited) {
    const text = await Deno.readTextFile(outFile).catch(() => "");
    const match = READY.exec(text.replace(ANSI, ""));
    if (match) {
      return { child, pid: child.pid, port: Number(match[2]), outFile };
    }
    await sleep(20);
  }
  const stderr = await Deno.readTextFile(`${outFile}.err`).catch(() => "");
  await stopServer({ child, pid: child.pid, port: 0, outFile });
  throw new Error(
    `${command.join(" ")} did not print its ready line: ${
      stderr.slice(0, 500)
    }`,
  );
}

/**
 * Sends SIGTERM to `pid` (the server's own by default), SIGKILL after 2 s,
 * and waits for the server's process to end.
 */
async function stopServer(server: Running, pid = server.pid): Promise<void> {
  const kill = (signal: Deno.Signal) => {
    try {
      Deno.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), 2_000);
  await server.child.status;
  clearTimeout(timer);
}

/**
 * Reads files under /proc. Deno asks for `--allow-all` to read /proc
 * directly, so `cat` reads them for us (`--allow-run` is granted anyway).
 */
export async function readProc(...paths: string[]): Promise<string> {
  const result = await new Deno.Command("sh", {
    args: ["-c", 'cat "$@" 2>/dev/null', "sh", ...paths],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(result.stdout);
}

/** CPU time of every thread of `pid`, in nanoseconds. */
async function cpuNanos(pid: number): Promise<number> {
  const tasks = await new Deno.Command("sh", {
    args: ["-c", `cat /proc/${pid}/task/*/schedstat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(tasks.stdout).split("\n")
    .reduce((sum, line) => sum + (Number(line.split(" ")[0]) || 0), 0);
}

/** How many write-family system calls `pid` has made (`syscw`). */
async function writeCalls(pid: number): Promise<number> {
  const io = await readProc(`/proc/${pid}/io`);
  return Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? NaN);
}

/** Peak resident memory of `pid` (VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readProc(`/proc/${pid}/status`);
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * Counts the lines in a server's stderr that say its guards refused a
 * request (`not answering: …`, `lib/guards.ts`). The first refusal is always
 * reported at once, so none means the guards refused nothing.
 */
async function countRefusals(errFile: string): Promise<number> {
  const text = await Deno.readTextFile(errFile).catch(() => "");
  return text.split("\n").filter((line) => line.startsWith("not answering"))
    .length;
}

/** Counts a log's lines, and the lines the log writer says it dropped. */
async function countLog(
  path: string,
): Promise<{ lines: number; dropped: number }> {
  const bytes = await Deno.readFile(path).catch(() => new Uint8Array());
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines++;
  let dropped = 0;
  const text = new TextDecoder().decode(bytes);
  for (const match of text.matchAll(/([\d,]+) log lines? (?:were )?dropped/g)) {
    dropped += Number(match[1].replaceAll(",", ""));
    lines--; // the note is not a datagram's line
  }
  return { lines, dropped };
}
// #endregion processes

// #region measure
/**
 * Starts a server, drives it as fast as it answers for `seconds` (after a
 * warm-up), then at a fixed moderate rate to time each round trip, and
 * stops it.
 */
export async function measure(
  id: string,
  command: string[],
  expect: Expect,
  logs: boolean,
  tools: Tools,
  options: LoadSettings & { tmp: string; pin: boolean },
): Promise<Run> {
  const outFile = `${options.tmp}/${id}.out`;
  const running = await startServer(
    command,
    outFile,
    options.pin ? 1 : undefined,
  );
  const loadCpu = options.pin ? 0 : undefined;
  try {
    const cpuBefore = await cpuNanos(running.pid);
    const writesBefore = await writeCalls(running.pid);
    const throughput = await runLoad<ThroughputResult>(tools.c.load, [
      "throughput",
      "127.0.0.1",
      String(running.port),
      "--seconds",
      String(options.seconds),
      "--warmup",
      String(options.warmupSeconds),
      "--window",
      String(options.window),
      "--sources",
      String(SOURCES),
      "--expect",
      expect,
    ], loadCpu);
    const cpuAfter = await cpuNanos(running.pid);
    const writesAfter = await writeCalls(running.pid);
    const latency = await runLoad<LatencyResult>(tools.c.load, [
      "latency",
      "127.0.0.1",
      String(running.port),
      "--rate",
      String(options.latencyRate),
      "--count",
      String(options.latencyCount),
      "--sources",
      String(SOURCES),
      "--expect",
      expect,
    ], loadCpu);
    const peak = await peakRssMb(running.pid);
    await stopServer(running);
    const log = logs ? await countLog(outFile) : { lines: 1, dropped: 0 };
    const refusals = await countRefusals(`${outFile}.err`);
    return {
      replies_per_s: throughput.per_second,
      cpu_us_per_reply: (cpuAfter - cpuBefore) / 1000 /
        Math.max(throughput.replies, 1),
      rtt_p50_us: latency.p50_us,
      rtt_p99_us: latency.p99_us,
      peak_rss_mb: peak,
      bad: throughput.bad + latency.bad,
      late: throughput.late,
      lost: throughput.lost + latency.lost,
      log_lines: Math.max(0, log.lines - 1), // less the ready line
      dropped_lines: log.dropped,
      writes_per_reply: (writesAfter - writesBefore) /
        Math.max(throughput.replies, 1),
      answered: throughput.replies + latency.replies,
      refusal_lines: refusals,
    };
  } finally {
    await stopServer(running);
    await Deno.remove(outFile).catch(() => {});
    await Deno.remove(`${outFile}.err`).catch(() => {});
  }
}
// #endregion measure

// #region paired
/** A server as a paired comparison starts it. */
export interface Contender {
  id: string;
  command: string[];
  expect: Expect;
}

/** What a paired comparison measured: replies/s of each slice. */
export interface PairedRuns {
  a: number[];
  b: number[];
  /** Each pair's `a` over its `b`. */
  ratios: number[];
  /** Which start of the two servers each pair was measured in, from 0. */
  starts: number[];
  /** Lines on either server's stderr saying its guards refused a request. */
  refusal_lines: number;
  /** Requests the load generator sent that got no reply, in all slices. */
  lost: number;
}

/**
 * Runs two servers side by side, both on the server CPU, and drives them in
 * turn for `pairs` pairs of short slices: A then B, then B then A, and so
 * on. The machine's speed moves from second to second, but a pair's two
 * slices are measured within about a second of each other, so its ratio
 * holds where the absolute figures of the rounds move.
 *
 * A ratio can also move from one start of the processes to the next (with
 * where the JIT and the allocator happen to put things), which the pairs of
 * a single start would not show: so the pairs are spread over `starts` fresh
 * starts of both servers, which go up in turn A first, then B first. Each
 * server has one slice of warm-up after each start, not counted.
 */
export async function measurePaired(
  a: Contender,
  b: Contender,
  tools: Tools,
  options: {
    tmp: string;
    pin: boolean;
    pairs: number;
    seconds: number;
    starts?: number;
  },
): Promise<PairedRuns> {
  const cpu = options.pin ? 1 : undefined;
  const loadCpu = options.pin ? 0 : undefined;
  const starts = Math.max(1, Math.min(options.starts ?? 1, options.pairs));
  let refusals = 0;
  let lost = 0;
  const slice = async (server: Running, expect: Expect) => {
    const result = await runLoad<ThroughputResult>(tools.c.load, [
      "throughput",
      "127.0.0.1",
      String(server.port),
      "--seconds",
      String(options.seconds),
      "--warmup",
      "0.1",
      "--window",
      "64",
      "--sources",
      String(SOURCES),
      "--expect",
      expect,
    ], loadCpu);
    lost += result.lost;
    return result.per_second;
  };
  let started: Running[] = [];
  const stopAll = async () => {
    for (const server of started) {
      await stopServer(server);
      refusals += await countRefusals(`${server.outFile}.err`);
      await Deno.remove(server.outFile).catch(() => {});
      await Deno.remove(`${server.outFile}.err`).catch(() => {});
    }
    started = [];
  };
  const startBoth = async (start: number) => {
    const order = start % 2 === 0 ? [0, 1] : [1, 0];
    const servers: Running[] = [];
    for (const index of order) {
      const side = [a, b][index];
      const outFile = `${options.tmp}/paired-${index}-${side.id}.out`;
      servers[index] = await startServer(side.command, outFile, cpu);
      started.push(servers[index]);
    }
    await slice(servers[0], a.expect);
    await slice(servers[1], b.expect);
    return servers;
  };
  try {
    const runs = {
      a: [] as number[],
      b: [] as number[],
      ratios: [] as number[],
      starts: [] as number[],
    };
    let servers: Running[] = [];
    for (let pair = 0; pair < options.pairs; pair++) {
      const start = Math.floor(pair * starts / options.pairs);
      if (pair === 0 || start !== runs.starts.at(-1)) {
        await stopAll();
        servers = await startBoth(start);
      }
      const [serverA, serverB] = servers;
      let rateA: number, rateB: number;
      if (pair % 2 === 0) {
        rateA = await slice(serverA, a.expect);
        rateB = await slice(serverB, b.expect);
      } else {
        rateB = await slice(serverB, b.expect);
        rateA = await slice(serverA, a.expect);
      }
      runs.a.push(rateA);
      runs.b.push(rateB);
      runs.ratios.push(rateA / rateB);
      runs.starts.push(start);
    }
    await stopAll();
    return { ...runs, refusal_lines: refusals, lost };
  } finally {
    await stopAll();
  }
}
// #endregion paired

// #region startup
/** Wall time of one process run to its end, in milliseconds. */
async function timeRun(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  const result = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  if (!result.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  return elapsed;
}

/**
 * Times a one-shot client from start to exit, `runs` times each: Deno's
 * `time_client.ts` against a local `time_server.ts`, a Python one-shot RFC
 * 868 client, and each runtime starting an empty program.
 */
export async function measureStartup(
  tools: Tools,
  tmp: string,
  runs: number,
): Promise<Record<string, number[]>> {
  const server = await startServer(
    [tools.deno, "run", "-N", "scripts/time_server.ts", "--port", "0"],
    `${tmp}/time_server.out`,
    undefined,
  );
  const empty = `${tmp}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const port = String(server.port);
  const samples: Record<string, number[]> = {
    deno_time_client: [],
    deno_empty: [],
    python_time_client: [],
    python_empty: [],
  };
  try {
    for (let i = 0; i < runs; i++) {
      samples.deno_time_client.push(
        await timeRun(tools.deno, [
          "run",
          "-N",
          "scripts/time_client.ts",
          "--port",
          port,
        ]),
      );
      samples.deno_empty.push(await timeRun(tools.deno, ["run", empty]));
      if (tools.python) {
        samples.python_time_client.push(
          await timeRun(tools.python, [
            `${BENCH_DIR}servers/python_time_client.py`,
            "127.0.0.1",
            port,
          ]),
        );
        samples.python_empty.push(await timeRun(tools.python, ["-c", "pass"]));
      }
    }
  } finally {
    await stopServer(server);
    await Deno.remove(server.outFile).catch(() => {});
    await Deno.remove(`${server.outFile}.err`).catch(() => {});
  }
  return samples;
}
// #endregion startup

// #region terminal
/**
 * Runs `scripts/echo_server.ts`, as it is now, on a pseudo-terminal
 * (`bench/terminal.c`), sends it `count` datagrams `intervalMs` apart, and
 * times each from its send to its log line read from the terminal.
 */
export async function measureTerminal(
  tools: Tools,
  count: number,
  intervalMs: number,
): Promise<TerminalResult> {
  return await runLoad<TerminalResult>(tools.c.terminal, [
    "127.0.0.1",
    "--count",
    String(count),
    "--interval-ms",
    String(intervalMs),
    "--",
    tools.deno,
    "run",
    "-N",
    `${ROOT}scripts/echo_server.ts`,
    "--port",
    "0",
  ]);
}
// #endregion terminal

// #region syscalls
/** System calls made while answering a counted number of datagrams. */
export interface SyscallCount {
  datagrams: number;
  /** Calls per datagram answered, by system call, from `strace -f -c`. */
  per_datagram: Record<string, number>;
}

/**
 * Runs a server under `strace -f -c`, drives it with `count` datagrams (64
 * in flight), stops it and reads strace's summary: which system calls, and
 * how many of each per datagram. strace slows the server down; the counts
 * are what it measures, never the time.
 */
export async function countSyscalls(
  id: string,
  command: string[],
  expect: Expect,
  tools: Tools,
  tmp: string,
  count: number,
): Promise<SyscallCount | undefined> {
  if (!tools.strace) return undefined;
  const summary = `${tmp}/${id}.strace`;
  const running = await startServer(
    [tools.strace, "-f", "-c", "-o", summary, "--", ...command],
    `${tmp}/${id}.traced`,
    undefined,
  );
  let replies = 0;
  try {
    const result = await runLoad<ThroughputResult>(tools.c.load, [
      "throughput",
      "127.0.0.1",
      String(running.port),
      "--count",
      String(count),
      "--seconds",
      "20",
      "--warmup",
      "0",
      "--window",
      "64",
      "--sources",
      String(SOURCES),
      "--expect",
      expect,
    ]);
    replies = result.replies;
  } finally {
    // Stop the traced server, not strace, so that strace writes its summary.
    const children = await readProc(
      `/proc/${running.pid}/task/${running.pid}/children`,
    );
    const server = Number(children.trim().split(/\s+/)[0]);
    await stopServer(running, server > 0 ? server : running.pid);
    await Deno.remove(running.outFile).catch(() => {});
    await Deno.remove(`${running.outFile}.err`).catch(() => {});
  }
  const text = await Deno.readTextFile(summary).catch(() => "");
  await Deno.remove(summary).catch(() => {});
  const per_datagram: Record<string, number> = {};
  for (const line of text.split("\n")) {
    // % time  seconds  usecs/call  calls  [errors]  syscall
    const cells = line.trim().split(/\s+/);
    const name = cells.at(-1) ?? "";
    if (!/^[a-z_0-9]+$/.test(name) || name === "total") continue;
    const calls = Number(cells[3]);
    if (!Number.isFinite(calls)) continue;
    per_datagram[name] = calls / Math.max(replies, 1);
  }
  return { datagrams: replies, per_datagram };
}
// #endregion syscalls
