#!/usr/bin/env -S deno run --allow-run --allow-read --allow-write
/**
 * `deno task bench`: how fast the servers answer, side by side with the
 * Python original, Node, a plain C loop, bare Deno loops and the fast-path
 * studies; how long a log line takes to show on a terminal; and which
 * system calls each datagram costs.
 *
 * Each server starts on 127.0.0.1 port 0 with its stdout going to a file,
 * then the load generator (`bench/load.c`, compiled now) drives it twice,
 * from 2,000 source ports in turn, as many clients would (one port would
 * soon be past a server's budget of answers, `lib/guards.ts`):
 * as fast as it answers (64 datagrams kept in flight; a warm-up, then the
 * counted seconds), then at a fixed moderate rate to time each round trip.
 * Every server runs once per round, forward in odd rounds and backward in
 * even ones, so that a busy moment on the machine falls on all of them
 * alike; the table shows medians with the lowest and highest round. The
 * ratios that the targets are judged on (shipped × bare, × Python) are then
 * measured in pairs: both servers run side by side and take the load in
 * turn, half a second each, so that the machine's own drift falls on both.
 * When `taskset` is there, the load runs on CPU 0 and the servers on CPU 1.
 * The machine's load average is read before, after every round, and at the
 * end.
 *
 * Run:  deno task bench [--rounds 5] [--seconds 2] [--pairs 30] [--quick] [--only ID,…] [--no-save]
 * Out:  the table on stdout, progress on stderr; bench/results/latest.json,
 *       which the performance page reads for every figure it shows
 *
 * Loopback only; every run is bounded in count and time.
 *
 * @module
 */
import { parseArgs } from "jsr:@std/cli@^1/parse-args";
import { BURST, DEFAULT_BUDGET } from "../lib/guards.ts";
import {
  BENCH_DIR,
  buildCPrograms,
  type CPrograms,
  output,
  removeCPrograms,
  type TerminalResult,
} from "./c_tools.ts";
import {
  halfWidth,
  loadCeiling,
  range,
  ratio,
  ratioAgainst,
  sig,
  type Spread,
} from "./format.ts";
import {
  countSyscalls,
  type Expect,
  type LoadSettings,
  measure,
  measurePaired,
  measureStartup,
  measureTerminal,
  type PairedRuns,
  readProc,
  type Run,
  SOURCES,
  type SyscallCount,
  type Tools,
} from "./measure.ts";

const WARMUP_SECONDS = 0.5;
const WINDOW = 64;
const LATENCY_RATE = 5_000;
const LATENCY_COUNT = 2_000;
/**
 * Datagrams per FFI system call in the study: as many as the load generator
 * keeps in flight. `FFI_SMALL_BATCH` shows what a smaller batch gives.
 */
const FFI_BATCH = "64";
const FFI_SMALL_BATCH = "8";
const SYSCALL_DATAGRAMS = 20_000;
/** Seconds of each slice of a paired comparison. */
const PAIR_SECONDS = 0.5;
/**
 * Pairs per fresh start of both servers: each start gives one pair A then B
 * and one B then A, so 10 pairs are spread over 5 starts and 30 over 15.
 */
const PAIRS_PER_START = 2;
const TERMINAL_INTERVAL_MS = 10;

/** One server under test. */
interface Server {
  id: string;
  label: string;
  /** Its colour on the chart. */
  group: "yardstick" | "original" | "runtime" | "bare" | "shipped" | "study";
  /** Which program it is, and so which reply is right. */
  family: Expect;
  /** The command, given the tools; `undefined` if a tool is missing. */
  command: (tools: Tools) => string[] | undefined;
  /** Whether it writes one log line per datagram. */
  logs: boolean;
  /** For a shipped server: the id of the bare loop it is held against. */
  bare?: string;
  /** Whether `--syscalls` counts its system calls per datagram. */
  syscalls?: boolean;
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

const node = (...args: string[]) => (tools: Tools) =>
  tools.node === undefined
    ? undefined
    : [tools.node, `${BENCH_DIR}servers/node_echo.mjs`, "0", ...args];

// #region servers
/**
 * A row of the FFI study: `batch` datagrams per system call, with or without
 * its log, waiting in the main thread or (`thread`) on a helper thread.
 */
function ffiStudy(
  id: string,
  batch: string,
  options: { log: boolean; thread?: boolean; syscalls?: boolean },
): Server {
  const per = batch === "1" ? "1 datagram" : batch;
  return {
    id,
    label: `study: FFI, ${per} per call` +
      (options.thread ? ", waits on a thread" : "") +
      (options.log ? ", log" : ", no log"),
    group: "study",
    family: "echo",
    command: deno(
      ["--allow-ffi"],
      "bench/fast_path/ffi_echo_server.ts",
      "--port",
      "0",
      "--batch",
      batch,
      ...(options.log ? [] : ["--no-log"]),
      ...(options.thread ? ["--nonblocking"] : []),
    ),
    logs: options.log,
    syscalls: options.syscalls,
  };
}

const SERVERS: Server[] = [
  {
    id: "c",
    label: "C recvfrom/sendto loop, no log",
    group: "yardstick",
    family: "echo",
    command: (t) => [t.c.cEcho, "127.0.0.1", "0"],
    logs: false,
    syscalls: true,
  },
  {
    id: "python_print",
    label: "Python original, print to a file",
    group: "original",
    family: "echo",
    command: (t) => python(t, "PYTHONUNBUFFERED"),
    logs: true,
  },
  {
    id: "python_unbuffered",
    label: "Python original, print, PYTHONUNBUFFERED=1",
    group: "original",
    family: "echo",
    command: (t) => python(t, "PYTHONUNBUFFERED=1"),
    logs: true,
  },
  {
    id: "python_quiet",
    label: "Python original, print removed",
    group: "original",
    family: "echo",
    command: (t) => python(t, "PYTHONUNBUFFERED", "--no-print"),
    logs: false,
    syscalls: true,
  },
  {
    id: "node_log",
    label: "Node dgram, console.log to a file",
    group: "runtime",
    family: "echo",
    command: node(),
    logs: true,
  },
  {
    id: "node_quiet",
    label: "Node dgram, no log",
    group: "runtime",
    family: "echo",
    command: node("--no-log"),
    logs: false,
  },
  // The same node_echo.mjs run by Deno: what node:dgram costs under Deno,
  // beside Node's own and Deno.listenDatagram's loops.
  {
    id: "deno_node_dgram_log",
    label: "node:dgram run by Deno, console.log to a file",
    group: "runtime",
    family: "echo",
    command: deno(["-N"], "bench/servers/node_echo.mjs", "0"),
    logs: true,
  },
  {
    id: "deno_node_dgram_quiet",
    label: "node:dgram run by Deno, no log",
    group: "runtime",
    family: "echo",
    command: deno(["-N"], "bench/servers/node_echo.mjs", "0", "--no-log"),
    logs: false,
  },
  {
    id: "deno_naive",
    label: "Deno naive: for await + console.log",
    group: "runtime",
    family: "echo",
    command: deno(["-N"], "bench/servers/naive_echo_server.ts", "0"),
    logs: true,
  },
  {
    id: "deno_for_await_quiet",
    label: "Deno for await, no log",
    group: "runtime",
    family: "echo",
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
    label: "Deno bare loop + console.log",
    group: "runtime",
    family: "echo",
    command: deno(
      ["-N"],
      "bench/servers/bare_echo_server.ts",
      "0",
      "--console-log",
    ),
    logs: true,
  },
  {
    id: "deno_bare",
    label: "Deno bare echo loop, no log",
    group: "bare",
    family: "echo",
    command: deno(["-N"], "bench/servers/bare_echo_server.ts", "0"),
    logs: false,
    syscalls: true,
  },
  {
    id: "deno_bare_no_alloc",
    label: "Deno bare echo loop, no new array",
    group: "bare",
    family: "echo",
    command: deno(
      ["-N"],
      "bench/servers/bare_echo_server.ts",
      "0",
      "--no-alloc",
    ),
    logs: false,
  },
  {
    id: "deno_shipped",
    label: "echo_server.ts as shipped, log to a file",
    group: "shipped",
    family: "echo",
    command: deno(["-N"], "scripts/echo_server.ts", "--port", "0"),
    logs: true,
    bare: "deno_bare",
    syscalls: true,
  },
  {
    id: "hello_bare",
    label: "Deno bare hello loop, no log",
    group: "bare",
    family: "hello",
    command: deno(["-N"], "bench/servers/bare_hello_server.ts", "0"),
    logs: false,
  },
  {
    id: "hello_shipped",
    label: "hello_server.ts as shipped, log to a file",
    group: "shipped",
    family: "hello",
    command: deno(["-N"], "scripts/hello_server.ts", "--port", "0"),
    logs: true,
    bare: "hello_bare",
  },
  {
    id: "time_bare",
    label: "Deno bare time loop, no log",
    group: "bare",
    family: "time",
    command: deno(["-N"], "bench/servers/bare_time_server.ts", "0"),
    logs: false,
  },
  {
    id: "time_shipped",
    label: "time_server.ts as shipped, log to a file",
    group: "shipped",
    family: "time",
    command: deno(["-N"], "scripts/time_server.ts", "--port", "0"),
    logs: true,
    bare: "time_bare",
  },
  {
    id: "size_bare",
    label: "Deno bare size loop, no log",
    group: "bare",
    family: "size",
    command: deno(["-N"], "bench/servers/bare_size_server.ts", "0"),
    logs: false,
  },
  {
    id: "size_shipped",
    label: "size_server.ts as shipped, log to a file",
    group: "shipped",
    family: "size",
    command: deno(["-N"], "scripts/size_server.ts", "--port", "0"),
    logs: true,
    bare: "size_bare",
  },
  {
    id: "study_in_flight",
    label: "study: 4 receives in flight, log",
    group: "study",
    family: "echo",
    command: deno(["-N"], "bench/fast_path/receives_in_flight.ts", "0", "4"),
    logs: true,
  },
  {
    id: "study_unawaited",
    label: "study: sends settled 32 at a time, log",
    group: "study",
    family: "echo",
    command: deno(["-N"], "bench/fast_path/unawaited_sends.ts", "0"),
    logs: true,
  },
  ffiStudy("study_ffi_sync", "1", { log: false }),
  ffiStudy("study_ffi_quiet", FFI_BATCH, { log: false }),
  ffiStudy("study_ffi", FFI_BATCH, { log: true, syscalls: true }),
  ffiStudy("study_ffi_small_batch", FFI_SMALL_BATCH, { log: true }),
  ffiStudy("study_ffi_thread", FFI_BATCH, { log: true, thread: true }),
];
// #endregion servers

// #region pairs
/**
 * The comparisons measured in pairs: the targets of the performance issue
 * (each shipped server against its bare loop, the shipped echo server and
 * the FFI study against the Python original); Deno's floor against Python;
 * the shipped echo server against that floor, against itself (how far a
 * ratio strays when nothing differs) and against the two loop studies.
 */
const COMPARISONS: { a: string; b: string; target: number | null }[] = [
  { a: "deno_shipped", b: "python_print", target: 0.7 },
  { a: "deno_bare_no_alloc", b: "python_print", target: null },
  { a: "deno_shipped", b: "deno_bare", target: 1 },
  { a: "deno_shipped", b: "deno_bare_no_alloc", target: null },
  { a: "hello_shipped", b: "hello_bare", target: 1 },
  { a: "time_shipped", b: "time_bare", target: 1 },
  { a: "size_shipped", b: "size_bare", target: 1 },
  { a: "study_ffi", b: "python_print", target: 1.3 },
  { a: "deno_shipped", b: "deno_shipped", target: null },
  { a: "study_in_flight", b: "deno_shipped", target: null },
  { a: "study_unawaited", b: "deno_shipped", target: null },
];

/** One paired comparison, summed up. */
interface PairedRow {
  a: string;
  b: string;
  /** The target for `a` over `b`, or null where there is none. */
  target: number | null;
  pairs: number;
  seconds: number;
  /** How many fresh starts of both servers the pairs were spread over. */
  starts: number;
  /** `a` over `b`, each pair's ratio: median, lowest, highest, and all. */
  ratio: Spread & { runs: number[] };
  /** The median ratio of each start's pairs. */
  by_start: number[];
  a_per_s: Spread;
  b_per_s: Spread;
  /** Lines on either server's stderr saying its guards refused a request. */
  refusal_lines: number;
  /** Requests that got no reply, in all the pairs' slices. */
  lost: number;
}
// #endregion pairs

// #region summary
/** One row of the results: every round of one server, summed up. */
interface Row {
  id: string;
  label: string;
  group: Server["group"];
  family: Expect;
  logs: boolean;
  bare: string | null;
  replies_per_s: Spread & { runs: number[] };
  /** Replies/s over the Python original's in the same round. */
  ratio_to_python_print: Spread | null;
  /** For a shipped server: replies/s over its bare loop's in the same round. */
  ratio_to_bare: Spread | null;
  cpu_us_per_reply: Spread;
  rtt_p50_us: number;
  rtt_p99_us: number;
  peak_rss_mb: number;
  bad: number;
  late: number;
  lost: number;
  /** Log lines written per datagram answered, for a server that logs. */
  logged_share: number | null;
  /** Log lines the server's log writer said it dropped, in all rounds. */
  dropped_lines: number;
  /** write() system calls per reply, median of the rounds. */
  writes_per_reply: number;
  /** Lines on its stderr saying its guards refused a request, in all rounds. */
  refusal_lines: number;
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

function spread(values: number[]): Spread {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? { median: NaN, min: NaN, max: NaN } : {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
  };
}

/** Each round's replies/s of `runs` over those of `other` in that round. */
function pairedRatio(
  runs: (Run | undefined)[],
  other: (Run | undefined)[] | undefined,
): Spread | null {
  if (!other) return null;
  const ratios = runs.map((run, round) => {
    const base = other[round];
    return run && base ? run.replies_per_s / base.replies_per_s : NaN;
  });
  const result = spread(ratios);
  return Number.isFinite(result.median) ? result : null;
}

/** The rows, in the order of `SERVERS`; `byRound` holds each round's run. */
function summarize(byRound: Map<string, (Run | undefined)[]>): Row[] {
  return SERVERS.filter((server) => byRound.has(server.id)).map(
    (server): Row => {
      const rounds = byRound.get(server.id) ?? [];
      const list = rounds.filter((run): run is Run => run !== undefined);
      const pick = (key: keyof Run) => median(list.map((run) => run[key]));
      const total = (key: keyof Run) =>
        list.reduce((sum, run) => sum + run[key], 0);
      const replies = list.map((run) => run.replies_per_s);
      return {
        id: server.id,
        label: server.label,
        group: server.group,
        family: server.family,
        logs: server.logs,
        bare: server.bare ?? null,
        replies_per_s: { ...spread(replies), runs: replies },
        ratio_to_python_print: server.family === "echo"
          ? pairedRatio(rounds, byRound.get("python_print"))
          : null,
        ratio_to_bare: server.bare
          ? pairedRatio(rounds, byRound.get(server.bare))
          : null,
        cpu_us_per_reply: spread(list.map((run) => run.cpu_us_per_reply)),
        rtt_p50_us: pick("rtt_p50_us"),
        rtt_p99_us: pick("rtt_p99_us"),
        peak_rss_mb: pick("peak_rss_mb"),
        bad: total("bad"),
        late: total("late"),
        lost: total("lost"),
        logged_share: server.logs
          ? total("log_lines") / Math.max(1, total("answered"))
          : null,
        dropped_lines: total("dropped_lines"),
        writes_per_reply: pick("writes_per_reply"),
        refusal_lines: total("refusal_lines"),
      };
    },
  );
}

function table(rows: Row[]): string {
  const cells = [
    [
      "server",
      "replies/s",
      "min–max",
      "× Python",
      "× bare",
      "CPU µs",
      "RTT p50 µs",
      "p99 µs",
      "RSS MB",
    ],
    ...rows.map((row) => [
      row.label,
      sig(row.replies_per_s.median),
      range(row.replies_per_s),
      ratio(row.ratio_to_python_print?.median),
      row.ratio_to_bare ? ratio(row.ratio_to_bare.median) : "",
      sig(row.cpu_us_per_reply.median, 2),
      sig(row.rtt_p50_us, 2),
      sig(row.rtt_p99_us, 2),
      sig(row.peak_rss_mb, 2),
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

/**
 * Whether the servers' guards refused any of the benchmark's requests: the
 * load generator sends from {@linkcode SOURCES} ports, so that each stays
 * within a server's budget of answers, and the benchmark measures servers,
 * not that budget. Every server that runs the guards of `lib/guards.ts`
 * says on stderr at once when it first refuses a request; the bare loops,
 * Python, Node and C run none.
 */
function guardsFinding(rows: Row[], paired: PairedRow[]): string {
  const refusals = [...rows, ...paired].reduce(
    (sum, row) => sum + row.refusal_lines,
    0,
  );
  const spread = `guards: requests from ${sig(SOURCES)} source ports in turn`;
  return refusals === 0
    ? `${spread}; they refused nothing (no "not answering" line on any ` +
      "server's stderr)"
    : `${spread}; WARNING: ${refusals} "not answering" line(s) on the ` +
      "servers' stderr: the guards refused some of the load";
}

/** The acceptance lines: each target, the figure, PASS or FAIL. */
function findings(rows: Row[], paired: PairedRow[]): string[] {
  const lines: string[] = [];
  // The load generator's ceiling: the most replies it drove any server to.
  // Every server well below it was not held back by the load generator.
  if (rows.length > 1) {
    const { fastest, runnerUp, limitedNone } = loadCeiling(rows);
    lines.push(
      `load generator: up to ${sig(fastest.replies_per_s.max)}/s ` +
        `(${fastest.label}); next best round ${sig(runnerUp)}/s ` +
        (limitedNone
          ? "(the load generator limited no other server)"
          : "(WARNING: the load generator may limit the fastest servers)"),
    );
  }
  lines.push(guardsFinding(rows, paired));
  const labelOf = (id: string) =>
    rows.find((row) => row.id === id)?.label ?? id;
  for (const pair of paired) {
    const target = pair.target === null
      ? ""
      : `; target at least ${pair.target.toFixed(2)}) ` +
        (pair.ratio.median >= pair.target ? "PASS" : "FAIL");
    lines.push(
      `paired: ${labelOf(pair.a)} × ${labelOf(pair.b)}: ${
        ratioAgainst(pair.ratio.median, pair.target)
      } (${pair.pairs} pairs of ${pair.seconds} s in ${pair.starts} starts: ${
        range(pair.ratio, ratio)
      }; each start's median ${pair.by_start.map(ratio).join(", ")}` +
        (target || ")"),
    );
  }
  const writers = rows.filter((row) => row.logs);
  if (writers.length > 0) {
    lines.push(
      "write() calls per reply (the log's): " +
        writers.map((row) => `${row.id} ${sig(row.writes_per_reply, 2)}`)
          .join(", "),
    );
  }
  for (const row of rows) {
    if (row.bad > 0 || row.lost > 0) {
      lines.push(
        `note: ${row.label}: ${row.bad} wrong replies, ${row.lost} lost`,
      );
    }
    if (row.dropped_lines > 0 || (row.logged_share ?? 1) < 0.99) {
      lines.push(
        `note: ${row.label}: ${sig(100 * (row.logged_share ?? 1))} % of ` +
          `datagrams logged, ${row.dropped_lines} lines reported dropped`,
      );
    }
  }
  return lines;
}
// #endregion summary

// #region save
async function firstLine(path: string, pattern: RegExp): Promise<string> {
  const text = await readProc(path);
  return text.split("\n").find((line) => pattern.test(line))?.trim() ?? "";
}

/** Rounds to 4 significant digits, which is more than the figures hold. */
function keep(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
}

function keepSpread<T extends Spread | null>(value: T): T {
  if (value === null) return value;
  const kept = { ...value, median: keep(value.median) };
  kept.min = keep(value.min);
  kept.max = keep(value.max);
  if ("runs" in kept && Array.isArray(kept.runs)) {
    kept.runs = kept.runs.map(keep);
  }
  return kept;
}

/** Everything a run measured, as the page reads it. */
interface Results {
  rows: Row[];
  paired: PairedRow[];
  startup: Record<string, number[]>;
  terminal: TerminalResult | null;
  syscalls: Record<string, SyscallCount>;
  loadavg: { start: string; rounds: string[]; end: string };
  settings: LoadSettings & { rounds: number; pairs: number };
  elapsed: number;
  pin: boolean;
  tools: Tools;
  skipped: string[];
}

/** Writes bench/results/latest.json. */
async function saveResults(results: Results): Promise<void> {
  const { tools, settings } = results;
  const versionOf = async (command: string | undefined, args: string[]) => {
    if (!command) return null;
    const result = await output(command, args);
    return result?.ok ? (result.stdout + result.stderr).trim() : null;
  };
  const json = {
    generated: new Date().toISOString(),
    command:
      `deno task bench --rounds ${settings.rounds} --seconds ${settings.seconds}` +
      ` --pairs ${settings.pairs}`,
    total_seconds: Math.round(results.elapsed),
    machine: {
      cpus: navigator.hardwareConcurrency,
      cpu: (await firstLine("/proc/cpuinfo", /^model name/))
        .replace(/^model name\s*:\s*/, ""),
      kernel: (await readProc("/proc/sys/kernel/osrelease")).trim(),
      loadavg_start: results.loadavg.start,
      loadavg_rounds: results.loadavg.rounds,
      loadavg_end: results.loadavg.end,
      pinned: results.pin,
    },
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      python: await versionOf(tools.python, ["--version"]),
      node: await versionOf(tools.node, ["--version"]),
      compiler: tools.c.compiler,
    },
    settings: {
      rounds: settings.rounds,
      seconds: settings.seconds,
      pairs: settings.pairs,
      pair_seconds: PAIR_SECONDS,
      warmup_seconds: settings.warmupSeconds,
      window: settings.window,
      latency_rate: settings.latencyRate,
      latency_count: settings.latencyCount,
      sources: SOURCES,
      budget: { burst: BURST, per_second: DEFAULT_BUDGET },
      ffi_batch: Number(FFI_BATCH),
      ffi_small_batch: Number(FFI_SMALL_BATCH),
      payload: "benchmark message XXXXXXXX (26 bytes)",
      order: "every server once per round; forward in odd rounds, " +
        "backward in even ones",
    },
    paired: results.paired.map((pair) => ({
      ...pair,
      ratio: keepSpread(pair.ratio),
      by_start: pair.by_start.map(keep),
      a_per_s: keepSpread(pair.a_per_s),
      b_per_s: keepSpread(pair.b_per_s),
    })),
    servers: results.rows.map((row) => ({
      ...row,
      replies_per_s: keepSpread(row.replies_per_s),
      ratio_to_python_print: keepSpread(row.ratio_to_python_print),
      ratio_to_bare: keepSpread(row.ratio_to_bare),
      cpu_us_per_reply: keepSpread(row.cpu_us_per_reply),
      rtt_p50_us: keep(row.rtt_p50_us),
      rtt_p99_us: keep(row.rtt_p99_us),
      peak_rss_mb: keep(row.peak_rss_mb),
      logged_share: row.logged_share === null ? null : keep(row.logged_share),
      writes_per_reply: keep(row.writes_per_reply),
    })),
    terminal: results.terminal && {
      server: "scripts/echo_server.ts",
      sent: results.terminal.sent,
      shown: results.terminal.shown,
      answered: results.terminal.replies,
      interval_ms: TERMINAL_INTERVAL_MS,
      p50_ms: keep(results.terminal.p50_us / 1000),
      p90_ms: keep(results.terminal.p90_us / 1000),
      max_ms: keep(results.terminal.max_us / 1000),
    },
    syscalls: Object.fromEntries(
      Object.entries(results.syscalls).map(([id, count]) => [id, {
        datagrams: count.datagrams,
        per_datagram: Object.fromEntries(
          Object.entries(count.per_datagram)
            .filter(([, calls]) => calls >= 0.001)
            .sort(([, a], [, b]) => b - a)
            .map(([name, calls]) => [name, keep(calls)]),
        ),
      }]),
    ),
    startup: Object.fromEntries(
      Object.entries(results.startup)
        .filter(([, values]) => values.length > 0)
        .map(([name, values]) => {
          const { median, min, max } = spread(values);
          return [name, {
            median_ms: keep(median),
            min_ms: keep(min),
            max_ms: keep(max),
            runs: values.length,
          }];
        }),
    ),
    skipped: results.skipped,
  };
  await Deno.mkdir(`${BENCH_DIR}results`, { recursive: true });
  await Deno.writeTextFile(
    `${BENCH_DIR}results/latest.json`,
    JSON.stringify(json, null, 2) + "\n",
  );
}
// #endregion save

// #region flags
const USAGE = "Usage: deno task bench [--rounds N (1-9, default 5)] " +
  "[--seconds S (0.2-5, default 2)] [--pairs N (0-30, default 30)] " +
  "[--quick (1 round of 1 s, 3 pairs)] " +
  "[--only ID,ID… (no save)] [--no-save]";

interface BenchFlags {
  rounds: number;
  seconds: number;
  pairs: number;
  quick: boolean;
  only: Set<string> | undefined;
  save: boolean;
}

function parseBenchFlags(): BenchFlags {
  const args = parseArgs(Deno.args, {
    string: ["rounds", "seconds", "pairs", "only"],
    boolean: ["quick", "no-save", "help"],
    alias: { help: "h" },
  });
  const known = new Set([
    "_",
    "rounds",
    "seconds",
    "pairs",
    "only",
    "quick",
    "no-save",
    "help",
    "h",
  ]);
  const unknown = Object.keys(args).find((key) => !known.has(key));
  const fail = (message: string): never => {
    console.error(`bench: ${message}. ${USAGE}`);
    Deno.exit(2);
  };
  if (args.help) {
    console.log(
      `${USAGE}\n\nServers (for --only): ${
        SERVERS.map((s) => s.id).join(", ")
      }`,
    );
    Deno.exit(0);
  }
  if (unknown !== undefined) fail(`unknown flag --${unknown}`);
  if (args._.length > 0) fail(`unexpected argument ${args._[0]}`);
  const quick = args.quick === true;
  const rounds = Number(args.rounds ?? (quick ? "1" : "5"));
  const seconds = Number(args.seconds ?? (quick ? "1" : "2"));
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 9)) {
    fail("--rounds must be a whole number from 1 to 9");
  }
  if (!(seconds >= 0.2 && seconds <= 5)) {
    fail("--seconds must be a number from 0.2 to 5");
  }
  const pairs = Number(args.pairs ?? (quick ? "3" : "30"));
  if (!(Number.isInteger(pairs) && pairs >= 0 && pairs <= 30)) {
    fail("--pairs must be a whole number from 0 to 30");
  }
  let only: Set<string> | undefined;
  if (args.only !== undefined) {
    only = new Set(String(args.only).split(",").filter(Boolean));
    const ids = new Set(SERVERS.map((server) => server.id));
    const wrong = [...only].find((id) => !ids.has(id));
    if (wrong) fail(`--only: no server ${wrong} (see --help)`);
  }
  return {
    rounds,
    seconds,
    pairs,
    quick,
    only,
    save: args["no-save"] !== true && only === undefined,
  };
}
// #endregion flags

/** The first three fields of /proc/loadavg. */
async function loadAverage(): Promise<string> {
  return (await readProc("/proc/loadavg")).trim().split(" ").slice(0, 3)
    .join(" ");
}

async function findTools(c: CPrograms): Promise<Tools> {
  const runs = async (command: string, args: string[]) => {
    const result = await output(command, args);
    return result?.ok ? result.stdout.trim() : undefined;
  };
  const python = await runs("python3", [
    "-c",
    "import sys; print(sys.executable)",
  ]);
  return {
    deno: Deno.execPath(),
    python: python?.split("\n")[0],
    node: (await runs("node", ["--version"])) ? "node" : undefined,
    strace: (await runs("strace", ["-V"])) ? "strace" : undefined,
    c,
  };
}

if (import.meta.main) {
  const flags = parseBenchFlags();
  if (Deno.build.os !== "linux") {
    console.error("bench: needs Linux (/proc, taskset, recvmmsg)");
    Deno.exit(1);
  }
  const started = performance.now();
  const loadStart = await loadAverage();
  let c: CPrograms;
  try {
    c = await buildCPrograms();
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
  const tools = await findTools(c);
  const pin = navigator.hardwareConcurrency >= 2 &&
    (await output("taskset", ["-c", "0", "true"]))?.ok === true;
  const tmp = await Deno.makeTempDir({ prefix: "udp-bench-out." });
  const servers = SERVERS.filter((s) => !flags.only || flags.only.has(s.id));
  const settings = {
    rounds: flags.rounds,
    seconds: flags.seconds,
    warmupSeconds: WARMUP_SECONDS,
    window: WINDOW,
    latencyRate: LATENCY_RATE,
    latencyCount: LATENCY_COUNT,
  };
  try {
    // #region rounds
    console.error(
      `bench: ${flags.rounds} round(s) of ${servers.length} servers, ` +
        `${flags.seconds} s each` +
        (pin ? "; load on CPU 0, server on CPU 1" : "; not pinned") +
        `; load average ${loadStart}`,
    );
    const byRound = new Map<string, (Run | undefined)[]>();
    const skipped: string[] = [];
    const loadRounds: string[] = [];
    for (let round = 0; round < flags.rounds; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const command = server.command(tools);
        if (!command) {
          if (round === 0) skipped.push(server.label);
          continue;
        }
        const run = await measure(
          server.id,
          command,
          server.family,
          server.logs,
          tools,
          { ...settings, tmp, pin },
        );
        const runs = byRound.get(server.id) ?? [];
        runs[round] = run;
        byRound.set(server.id, runs);
        console.error(
          `  round ${round + 1}  ${server.label.padEnd(56)} ${
            sig(run.replies_per_s).padStart(9)
          }/s`,
        );
      }
      loadRounds.push(await loadAverage());
      console.error(
        `  load average after round ${round + 1}: ${loadRounds.at(-1)}`,
      );
    }
    // #endregion rounds

    // #region paired
    const paired: PairedRow[] = [];
    const chosen = new Map(servers.map((server) => [server.id, server]));
    for (const comparison of flags.pairs > 0 ? COMPARISONS : []) {
      const [a, b] = [chosen.get(comparison.a), chosen.get(comparison.b)];
      const commands = [a?.command(tools), b?.command(tools)];
      if (!a || !b || !commands[0] || !commands[1]) continue;
      const starts = Math.ceil(flags.pairs / PAIRS_PER_START);
      console.error(
        `bench: in turn, ${flags.pairs} pairs of ${PAIR_SECONDS} s ` +
          `in ${starts} starts: ` +
          `${a.label} / ${b.label}`,
      );
      const runs: PairedRuns = await measurePaired(
        { id: a.id, command: commands[0], expect: a.family },
        { id: b.id, command: commands[1], expect: b.family },
        tools,
        {
          tmp,
          pin,
          pairs: flags.pairs,
          seconds: PAIR_SECONDS,
          starts,
        },
      );
      paired.push({
        a: a.id,
        b: b.id,
        target: comparison.target,
        pairs: flags.pairs,
        seconds: PAIR_SECONDS,
        starts,
        ratio: { ...spread(runs.ratios), runs: runs.ratios },
        by_start: Array.from(
          { length: starts },
          (_, start) =>
            median(runs.ratios.filter((_, i) => runs.starts[i] === start)),
        ),
        a_per_s: spread(runs.a),
        b_per_s: spread(runs.b),
        refusal_lines: runs.refusal_lines,
        lost: runs.lost,
      });
    }
    // #endregion paired

    // #region extras
    const everything = flags.only === undefined;
    let terminal: TerminalResult | null = null;
    const syscalls: Record<string, SyscallCount> = {};
    let startup: Record<string, number[]> = {};
    if (everything) {
      const count = flags.quick ? 50 : 200;
      console.error(`bench: ${count} log lines on a terminal`);
      terminal = await measureTerminal(tools, count, TERMINAL_INTERVAL_MS);
      if (tools.strace) {
        for (const server of servers.filter((s) => s.syscalls)) {
          const command = server.command(tools);
          if (!command) continue;
          console.error(`bench: system calls of ${server.label} (strace)`);
          const counted = await countSyscalls(
            server.id,
            command,
            server.family,
            tools,
            tmp,
            flags.quick ? 5_000 : SYSCALL_DATAGRAMS,
          );
          if (counted) syscalls[server.id] = counted;
        }
      } else {
        skipped.push("system calls per datagram (strace not found)");
      }
      const runs = flags.quick ? 3 : 12;
      console.error(`bench: one-shot client start-up, ${runs} runs each`);
      startup = await measureStartup(tools, tmp, runs);
    }
    // #endregion extras
    const loadEnd = await loadAverage();
    const rows = summarize(byRound);
    const elapsed = (performance.now() - started) / 1000;

    console.log(
      `\nUDP servers on loopback: medians of ${flags.rounds} round(s), ` +
        `each server once per round. Throughput: ${WINDOW} datagrams in ` +
        `flight from ${sig(SOURCES)} source ports in turn, ` +
        `${WARMUP_SECONDS} s warm-up, then ${flags.seconds} s ` +
        `counted. RTT: ${LATENCY_COUNT} datagrams at ${sig(LATENCY_RATE)}/s. ` +
        `× Python and × bare: median of the per-round ratios.\n`,
    );
    console.log(table(rows));
    console.log("");
    for (const line of findings(rows, paired)) console.log(line);
    const spreads = rows.map((row) => halfWidth(row.replies_per_s))
      .filter(Number.isFinite).sort((a, b) => a - b);
    if (spreads.length > 0 && flags.rounds > 1) {
      console.log(
        `run to run: replies/s moved ±${
          sig(100 * median(spreads), 2)
        } % around the median for the median server, ±${
          sig(100 * (spreads.at(-1) ?? NaN), 2)
        } % at most`,
      );
    }
    if (terminal) {
      console.log(
        `terminal: echo_server.ts showed ${terminal.shown} of ` +
          `${terminal.sent} log lines; median ${
            sig(terminal.p50_us / 1000, 2)
          } ms, worst ${sig(terminal.max_us / 1000, 2)} ms after the datagram`,
      );
    }
    for (const [id, count] of Object.entries(syscalls)) {
      const top = Object.entries(count.per_datagram)
        .filter(([, calls]) => calls >= 0.01)
        .sort(([, a], [, b]) => b - a)
        .map(([name, calls]) => `${name} ${sig(calls, 2)}`).join(", ");
      console.log(`system calls per datagram, ${id}: ${top}`);
    }
    if (startup.deno_time_client?.length) {
      const ms = (name: string) => sig(median(startup[name] ?? []), 2);
      console.log(
        `one-shot time_client.ts: ${ms("deno_time_client")} ms median ` +
          `(deno run of an empty file: ${ms("deno_empty")} ms); Python ` +
          `client ${ms("python_time_client")} ms (python3 -c pass: ${
            ms("python_empty")
          } ms)`,
      );
    }
    if (skipped.length) console.log(`skipped: ${skipped.join("; ")}`);
    console.log(
      `machine: ${navigator.hardwareConcurrency} CPUs; load average ` +
        `${loadStart} at start, ${loadRounds.join(" / ")} after each ` +
        `round, ${loadEnd} at the end; total ${sig(elapsed, 2)} s`,
    );
    if (flags.save) {
      await saveResults({
        rows,
        paired,
        startup,
        terminal,
        syscalls,
        loadavg: { start: loadStart, rounds: loadRounds, end: loadEnd },
        settings: { ...settings, rounds: flags.rounds, pairs: flags.pairs },
        elapsed,
        pin,
        tools,
        skipped,
      });
      console.log("written: bench/results/latest.json");
    } else {
      console.log("not saved (--no-save or --only)");
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await removeCPrograms(c.dir);
  }
}
