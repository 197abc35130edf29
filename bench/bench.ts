#!/usr/bin/env -S deno run --allow-run --allow-read --allow-write
/**
 * `deno task bench`: how fast the echo servers answer, side by side with the
 * Python original, Node, a plain C loop and the fast-path studies.
 *
 * Each server starts on 127.0.0.1 port 0 with its stdout going to a file,
 * then the load generator (`bench/load.c`, compiled now) drives it twice:
 * as fast as it answers (64 datagrams kept in flight; a warm-up, then one
 * counted second), then at a fixed moderate rate to time each round trip.
 * Every server runs once per round, round after round, so a busy moment on
 * the machine falls on all of them alike; the table shows medians. When
 * `taskset` is there, the load runs on CPU 0 and the server on CPU 1.
 *
 * Run:  deno task bench [--rounds 3] [--seconds 1] [--no-save]
 * Out:  the table on stdout, progress on stderr, bench/results/latest.json
 *
 * Loopback only; every run is bounded in count and time.
 *
 * @module
 */
import { parseArgs } from "jsr:@std/cli@^1/parse-args";
import {
  BENCH_DIR,
  buildCPrograms,
  type CPrograms,
  type LatencyResult,
  output,
  removeCPrograms,
  runLoad,
  type ThroughputResult,
} from "./c_tools.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const WARMUP_SECONDS = 0.5;
const WINDOW = 64;
const LATENCY_RATE = 5_000;
const LATENCY_COUNT = 2_000;
const STARTUP_RUNS = 12;
const READY = / listening on (\[[^\]]+\]|[^:\s]+):(\d+)/;

/** One server under test. */
interface Server {
  id: string;
  label: string;
  group: "yardstick" | "original" | "runtime" | "shipped" | "study";
  /** The command, given the tools; `undefined` if a tool is missing. */
  command: (tools: Tools) => string[] | undefined;
  /** Whether it writes one log line per datagram. */
  logs: boolean;
}

interface Tools {
  deno: string;
  python?: string;
  node?: string;
  c: CPrograms;
}

const deno = (permissions: string[], file: string, ...args: string[]) =>
(
  tools: Tools,
) => [tools.deno, "run", ...permissions, file, ...args];

/**
 * The Python original, through `env`: either with `PYTHONUNBUFFERED` taken
 * out of the environment, so that Python buffers its printing to a file as
 * it does by default, or with it set to 1, as many container images do.
 */
const python = (tools: Tools, variable: string, ...args: string[]) =>
  tools.python === undefined ? undefined : [
    "env",
    ...(variable.includes("=") ? [variable] : ["-u", variable]),
    tools.python,
    `${BENCH_DIR}servers/python_echo.py`,
    "127.0.0.1",
    "0",
    ...args,
  ];

const SERVERS: Server[] = [
  {
    id: "c",
    label: "C recvfrom/sendto loop, no log (load generator ceiling)",
    group: "yardstick",
    command: (t) => [t.c.cEcho, "127.0.0.1", "0"],
    logs: false,
  },
  {
    id: "python_print",
    label: "Python original loop, print to file",
    group: "original",
    command: (t) => python(t, "PYTHONUNBUFFERED"),
    logs: true,
  },
  {
    id: "python_unbuffered",
    label: "Python original loop, print, PYTHONUNBUFFERED=1",
    group: "original",
    command: (t) => python(t, "PYTHONUNBUFFERED=1"),
    logs: true,
  },
  {
    id: "python_quiet",
    label: "Python original loop, print removed",
    group: "original",
    command: (t) => python(t, "PYTHONUNBUFFERED", "--no-print"),
    logs: false,
  },
  {
    id: "node_log",
    label: "Node dgram, console.log to file",
    group: "runtime",
    command: (t) =>
      t.node === undefined
        ? undefined
        : [t.node, `${BENCH_DIR}servers/node_echo.mjs`, "0"],
    logs: true,
  },
  {
    id: "node_quiet",
    label: "Node dgram, no log",
    group: "runtime",
    command: (t) =>
      t.node === undefined
        ? undefined
        : [t.node, `${BENCH_DIR}servers/node_echo.mjs`, "0", "--no-log"],
    logs: false,
  },
  {
    id: "deno_naive",
    label: "Deno naive: for await + console.log",
    group: "runtime",
    command: deno(["-N"], "bench/servers/naive_echo_server.ts", "0"),
    logs: true,
  },
  {
    id: "deno_for_await_quiet",
    label: "Deno for await, no log (allocation only)",
    group: "runtime",
    command: deno(
      ["-N"],
      "bench/servers/naive_echo_server.ts",
      "0",
      "--no-log",
    ),
    logs: false,
  },
  {
    id: "deno_console_log",
    label: "Deno receive(buf) + console.log (logging only)",
    group: "runtime",
    command: deno(
      ["-N"],
      "bench/servers/bare_echo_server.ts",
      "0",
      "--console-log",
    ),
    logs: true,
  },
  {
    id: "deno_shipped",
    label: "Deno scripts/echo_server.ts as shipped, log to file",
    group: "shipped",
    command: deno(["-N"], "scripts/echo_server.ts", "--port", "0"),
    logs: true,
  },
  {
    id: "deno_bare",
    label: "Deno receive(buf) + send, no log",
    group: "runtime",
    command: deno(["-N"], "bench/servers/bare_echo_server.ts", "0"),
    logs: false,
  },
  {
    id: "study_in_flight",
    label: "study: 4 receives in flight, log",
    group: "study",
    command: deno(["-N"], "bench/fast_path/receives_in_flight.ts", "0", "4"),
    logs: true,
  },
  {
    id: "study_unawaited",
    label: "study: sends not awaited (32 at a time), log",
    group: "study",
    command: deno(["-N"], "bench/fast_path/unawaited_sends.ts", "0"),
    logs: true,
  },
  {
    id: "study_ffi",
    label: "study: FFI recvmmsg/sendmmsg, blocking, log",
    group: "study",
    command: deno(
      ["--allow-ffi"],
      "bench/fast_path/ffi_echo_server.ts",
      "--port",
      "0",
    ),
    logs: true,
  },
  {
    id: "study_ffi_thread",
    label: "study: FFI recvmmsg/sendmmsg, waits on a thread, log",
    group: "study",
    command: deno(
      ["--allow-ffi"],
      "bench/fast_path/ffi_echo_server.ts",
      "--port",
      "0",
      "--nonblocking",
    ),
    logs: true,
  },
];

/** What one run of one server measured. */
interface Run {
  replies_per_s: number;
  cpu_us_per_reply: number;
  rtt_p50_us: number;
  rtt_p99_us: number;
  peak_rss_mb: number;
  bad: number;
  lost: number;
  log_lines: number;
  answered: number;
}

// #region processes
/** What a command printed, if it ran and succeeded. */
async function commandOutput(command: string, args: string[]) {
  const result = await output(command, args);
  return result?.ok ? (result.stdout + result.stderr).trim() : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
  const pinned = cpu === undefined ? command : [
    "taskset",
    "-c",
    String(cpu),
    ...command,
  ];
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
    const match = READY.exec(text);
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

async function stopServer(server: Running): Promise<void> {
  try {
    server.child.kill("SIGTERM");
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      server.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, 2_000);
  await server.child.status;
  clearTimeout(timer);
}

/**
 * Reads files under /proc. Deno asks for `--allow-all` to read /proc
 * directly, so `cat` reads them for us (`--allow-run` is granted anyway).
 */
async function readProc(...paths: string[]): Promise<string> {
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

/** Peak resident memory of `pid` (VmHWM), in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readProc(`/proc/${pid}/status`);
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function countLines(path: string): Promise<number> {
  const bytes = await Deno.readFile(path).catch(() => new Uint8Array());
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines++;
  return lines;
}
// #endregion processes

// #region measure
async function measure(
  server: Server,
  command: string[],
  tools: Tools,
  options: { seconds: number; tmp: string; pin: boolean },
): Promise<Run> {
  const outFile = `${options.tmp}/${server.id}.out`;
  const running = await startServer(
    command,
    outFile,
    options.pin ? 1 : undefined,
  );
  const loadCpu = options.pin ? 0 : undefined;
  try {
    const cpuBefore = await cpuNanos(running.pid);
    const throughput = await runLoad<ThroughputResult>(tools.c.load, [
      "throughput",
      "127.0.0.1",
      String(running.port),
      "--seconds",
      String(options.seconds),
      "--warmup",
      String(WARMUP_SECONDS),
      "--window",
      String(WINDOW),
    ], loadCpu);
    const cpuAfter = await cpuNanos(running.pid);
    const latency = await runLoad<LatencyResult>(tools.c.load, [
      "latency",
      "127.0.0.1",
      String(running.port),
      "--rate",
      String(LATENCY_RATE),
      "--count",
      String(LATENCY_COUNT),
    ], loadCpu);
    const peak = await peakRssMb(running.pid);
    await stopServer(running);
    const answered = throughput.replies + latency.replies;
    return {
      replies_per_s: throughput.per_second,
      cpu_us_per_reply: (cpuAfter - cpuBefore) / 1000 /
        Math.max(throughput.replies, 1),
      rtt_p50_us: latency.p50_us,
      rtt_p99_us: latency.p99_us,
      peak_rss_mb: peak,
      bad: throughput.bad + latency.bad,
      lost: throughput.lost + latency.lost,
      log_lines: server.logs ? Math.max(0, (await countLines(outFile)) - 1) : 0,
      answered,
    };
  } finally {
    await stopServer(running);
    await Deno.remove(outFile).catch(() => {});
    await Deno.remove(`${outFile}.err`).catch(() => {});
  }
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}
// #endregion measure

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

async function measureStartup(tools: Tools, tmp: string) {
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
    for (let i = 0; i < STARTUP_RUNS; i++) {
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
  return Object.fromEntries(
    Object.entries(samples).map((
      [name, values],
    ) => [name, { median_ms: median(values), min_ms: Math.min(...values) }]),
  );
}
// #endregion startup

// #region report
/** One row of the results: the medians over all rounds of one server. */
interface Row {
  id: string;
  label: string;
  group: Server["group"];
  replies_per_s: number;
  replies_per_s_runs: number[];
  ratio_to_python_print: number;
  cpu_us_per_reply: number;
  rtt_p50_us: number;
  rtt_p99_us: number;
  peak_rss_mb: number;
  bad: number;
  lost: number;
  /** Log lines written per datagram answered (Python may lose its last block on SIGTERM). */
  logged_share: number | null;
}

function summarize(runs: Map<string, Run[]>): Row[] {
  const rows = SERVERS.filter((server) => runs.has(server.id)).map(
    (server): Row => {
      const list = runs.get(server.id) ?? [];
      const pick = (key: keyof Run) => median(list.map((run) => run[key]));
      const total = (key: keyof Run) =>
        list.reduce((sum, run) => sum + run[key], 0);
      return {
        id: server.id,
        label: server.label,
        group: server.group,
        replies_per_s: pick("replies_per_s"),
        replies_per_s_runs: list.map((run) => Math.round(run.replies_per_s)),
        ratio_to_python_print: NaN,
        cpu_us_per_reply: pick("cpu_us_per_reply"),
        rtt_p50_us: pick("rtt_p50_us"),
        rtt_p99_us: pick("rtt_p99_us"),
        peak_rss_mb: pick("peak_rss_mb"),
        bad: total("bad"),
        lost: total("lost"),
        logged_share: server.logs
          ? total("log_lines") / Math.max(1, total("answered"))
          : null,
      };
    },
  );
  const baseline = rows.find((row) => row.id === "python_print");
  for (const row of rows) {
    row.ratio_to_python_print = row.replies_per_s /
      (baseline?.replies_per_s ?? NaN);
  }
  return rows;
}

function formatNumber(value: number, digits = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    : "n/a";
}

function table(rows: Row[]): string {
  const cells = [
    [
      "server",
      "replies/s",
      "× Python print",
      "CPU µs/reply",
      "RTT p50 µs",
      "RTT p99 µs",
      "peak RSS MB",
    ],
    ...rows.map((row) => [
      row.label,
      formatNumber(row.replies_per_s),
      formatNumber(row.ratio_to_python_print, 2),
      formatNumber(row.cpu_us_per_reply, 1),
      formatNumber(row.rtt_p50_us),
      formatNumber(row.rtt_p99_us),
      formatNumber(row.peak_rss_mb, 1),
    ]),
  ];
  const widths = cells[0].map((_, column) =>
    Math.max(...cells.map((line) => line[column].length))
  );
  return cells.map((line) =>
    line.map((cell, column) =>
      column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])
    ).join("  ")
  ).join("\n");
}

type Startup = Awaited<ReturnType<typeof measureStartup>>;

/** The lines under the table: the ceiling, the acceptance check, start-up. */
function findings(rows: Row[], startup: Startup, python: boolean): string[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const ceiling = byId.get("c")?.replies_per_s ?? NaN;
  const fastestDeno = Math.max(
    ...rows.filter((row) => /^(deno|study)/.test(row.id))
      .map((row) => row.replies_per_s),
  );
  const shipped = byId.get("deno_shipped")?.ratio_to_python_print ?? NaN;
  const ms = (name: string) => formatNumber(startup[name].median_ms, 1);
  const lines = [
    `load generator ceiling: ${formatNumber(ceiling)}/s against the C loop; ` +
    `fastest Deno server ${formatNumber(fastestDeno)}/s ` +
    (ceiling > fastestDeno
      ? "(the load generator is not the bottleneck)"
      : "(WARNING: the load generator may be the bottleneck)"),
    `shipped echo_server.ts: ${formatNumber(shipped, 2)} × the Python ` +
    `original with print (acceptance: at least 0.50) ` +
    (shipped >= 0.5 ? "PASS" : "FAIL"),
    `one-shot time_client.ts end to end: ${ms("deno_time_client")} ms median ` +
    `(deno run of an empty file: ${ms("deno_empty")} ms); ` +
    (python
      ? `Python client: ${ms("python_time_client")} ms ` +
        `(python3 -c pass: ${ms("python_empty")} ms)`
      : "Python: not found"),
  ];
  for (const row of rows.filter((row) => row.bad > 0 || row.lost > 0)) {
    lines.push(
      `note: ${row.label}: ${row.bad} wrong replies, ${row.lost} lost`,
    );
  }
  return lines;
}

async function readFirstLine(path: string, pattern: RegExp): Promise<string> {
  const text = await readProc(path);
  return text.split("\n").find((line) => pattern.test(line))?.trim() ?? "";
}

/** Writes bench/results/latest.json, rounded so that it stays small. */
async function saveResults(
  rows: Row[],
  startup: Startup,
  context: {
    rounds: number;
    seconds: number;
    elapsed: number;
    loadStart: string;
    loadEnd: string;
    pin: boolean;
    tools: Tools;
    skipped: string[];
  },
): Promise<void> {
  const { tools } = context;
  const round = (value: number, digits: number) =>
    Number(value.toFixed(digits));
  const result = {
    generated: new Date().toISOString(),
    command:
      `deno task bench --rounds ${context.rounds} --seconds ${context.seconds}`,
    total_seconds: round(context.elapsed, 1),
    machine: {
      cpus: navigator.hardwareConcurrency,
      cpu: (await readFirstLine("/proc/cpuinfo", /^model name/))
        .replace(/^model name\s*:\s*/, ""),
      kernel: (await readProc("/proc/sys/kernel/osrelease")).trim(),
      loadavg_start: context.loadStart,
      loadavg_end: context.loadEnd,
      pinned: context.pin,
    },
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      python: tools.python
        ? await commandOutput(tools.python, ["--version"])
        : null,
      node: tools.node ? await commandOutput(tools.node, ["--version"]) : null,
      compiler: tools.c.compiler,
    },
    settings: {
      rounds: context.rounds,
      seconds: context.seconds,
      warmup_seconds: WARMUP_SECONDS,
      window: WINDOW,
      latency_rate: LATENCY_RATE,
      latency_count: LATENCY_COUNT,
      payload: "benchmark message XXXXXXXX (26 bytes)",
    },
    load_generator_ceiling: Math.round(
      rows.find((row) => row.id === "c")?.replies_per_s ?? NaN,
    ),
    servers: rows.map((row) => ({
      ...row,
      replies_per_s: Math.round(row.replies_per_s),
      ratio_to_python_print: round(row.ratio_to_python_print, 3),
      cpu_us_per_reply: round(row.cpu_us_per_reply, 2),
      rtt_p50_us: Math.round(row.rtt_p50_us),
      rtt_p99_us: Math.round(row.rtt_p99_us),
      peak_rss_mb: round(row.peak_rss_mb, 1),
      logged_share: row.logged_share === null
        ? null
        : round(row.logged_share, 3),
    })),
    startup: Object.fromEntries(
      Object.entries(startup).map(([name, value]) => [name, {
        median_ms: round(value.median_ms, 1),
        min_ms: round(value.min_ms, 1),
      }]),
    ),
    skipped: context.skipped,
  };
  await Deno.mkdir(`${BENCH_DIR}results`, { recursive: true });
  await Deno.writeTextFile(
    `${BENCH_DIR}results/latest.json`,
    JSON.stringify(result, null, 2) + "\n",
  );
}
// #endregion report

const USAGE =
  "Usage: deno task bench [--rounds N (1-9, default 3)] [--seconds S (0.2-5, default 1)] [--no-save]";

function parseBenchFlags(): { rounds: number; seconds: number; save: boolean } {
  const args = parseArgs(Deno.args, {
    string: ["rounds", "seconds"],
    boolean: ["no-save", "help"],
    alias: { help: "h" },
  });
  const known = new Set(["_", "rounds", "seconds", "no-save", "help", "h"]);
  const unknown = Object.keys(args).find((key) => !known.has(key));
  const fail = (message: string): never => {
    console.error(`bench: ${message}. ${USAGE}`);
    Deno.exit(2);
  };
  if (args.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (unknown !== undefined) fail(`unknown flag --${unknown}`);
  if (args._.length > 0) fail(`unexpected argument ${args._[0]}`);
  const rounds = Number(args.rounds ?? "3");
  const seconds = Number(args.seconds ?? "1");
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 9)) {
    fail("--rounds must be a whole number from 1 to 9");
  }
  if (!(seconds >= 0.2 && seconds <= 5)) {
    fail("--seconds must be a number from 0.2 to 5");
  }
  return { rounds, seconds, save: !args["no-save"] };
}

if (import.meta.main) {
  const { rounds, seconds, save } = parseBenchFlags();
  if (Deno.build.os !== "linux") {
    console.error("bench: needs Linux (/proc, taskset, recvmmsg)");
    Deno.exit(1);
  }
  const started = performance.now();
  const loadStart = (await readProc("/proc/loadavg")).trim();
  let c: CPrograms;
  try {
    c = await buildCPrograms();
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
  const python = await commandOutput("python3", [
    "-c",
    "import sys; print(sys.executable)",
  ]);
  const tools: Tools = {
    deno: Deno.execPath(),
    python: python?.split("\n")[0],
    node: (await commandOutput("node", ["--version"])) ? "node" : undefined,
    c,
  };
  const pin = navigator.hardwareConcurrency >= 2 &&
    (await commandOutput("taskset", ["-c", "0", "true"])) !== undefined;
  const tmp = await Deno.makeTempDir({ prefix: "udp-bench-out." });
  try {
    // #region rounds
    console.error(
      `bench: ${rounds} round(s) of ${SERVERS.length} servers, ${seconds} s each` +
        (pin ? "; load on CPU 0, server on CPU 1" : "; not pinned"),
    );
    const runs = new Map<string, Run[]>();
    const skipped: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const server of SERVERS) {
        const command = server.command(tools);
        if (!command) {
          if (round === 1) skipped.push(server.label);
          continue;
        }
        const run = await measure(server, command, tools, {
          seconds,
          tmp,
          pin,
        });
        runs.set(server.id, [...(runs.get(server.id) ?? []), run]);
        console.error(
          `  round ${round}  ${server.label.padEnd(58)} ${
            formatNumber(run.replies_per_s).padStart(9)
          }/s`,
        );
      }
    }
    // #endregion rounds
    console.error(`bench: one-shot client start-up, ${STARTUP_RUNS} runs each`);
    const startup = await measureStartup(tools, tmp);
    const loadEnd = (await readProc("/proc/loadavg")).trim();
    const rows = summarize(runs);
    const elapsed = (performance.now() - started) / 1000;

    console.log(
      `\nUDP echo servers on loopback, medians of ${rounds} round(s). ` +
        `Throughput: ${WINDOW} datagrams in flight, ${WARMUP_SECONDS} s ` +
        `warm-up, then ${seconds} s counted. RTT: ${LATENCY_COUNT} datagrams ` +
        `at ${formatNumber(LATENCY_RATE)}/s.\n`,
    );
    console.log(table(rows));
    console.log("");
    for (const line of findings(rows, startup, tools.python !== undefined)) {
      console.log(line);
    }
    if (skipped.length) {
      console.log(`skipped (tool not found): ${skipped.join("; ")}`);
    }
    const loads = (text: string) => text.split(" ").slice(0, 3).join(" ");
    console.log(
      `machine: ${navigator.hardwareConcurrency} CPUs, load average ` +
        `${loads(loadStart)} at start, ${loads(loadEnd)} at end; ` +
        `total ${formatNumber(elapsed, 1)} s`,
    );
    if (save) {
      await saveResults(rows, startup, {
        rounds,
        seconds,
        elapsed,
        loadStart,
        loadEnd,
        pin,
        tools,
        skipped,
      });
      console.log("written: bench/results/latest.json");
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await removeCPrograms(c.dir);
  }
}
