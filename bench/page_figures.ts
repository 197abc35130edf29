/**
 * The figures of the performance page, worked out once from a benchmark run
 * (`bench/results/latest.json`) for both the English page and its Chinese
 * twin. Each page passes its own {@linkcode PageWords}; the numbers are the
 * same on both.
 *
 * Plain TypeScript with no Deno API, so that the site's build can import it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { en, pageFigures } from "./page_figures.ts";
 * import type { BenchResults } from "./page_figures.ts";
 *
 * const bench = JSON.parse(
 *   await Deno.readTextFile("bench/results/latest.json"),
 * ) as BenchResults;
 * const figures = pageFigures(bench, en);
 * assertEquals(figures.rounds, bench.settings.rounds);
 * ```
 *
 * @module
 */

import {
  halfWidth,
  loadCeiling,
  middleHalfWidth,
  range,
  ratio,
  sig,
} from "./format.ts";
import type { Spread } from "./format.ts";

/** One server's row of a benchmark run, as far as the page reads it. */
export interface ServerResult {
  /** Short name, such as `deno_shipped`. */
  id: string;
  /** English name shown on the page. */
  label: string;
  /** Which kind of server: `yardstick`, `original`, `shipped`, … */
  group: string;
  /** Which program it serves: `echo`, `hello`, `time` or `size`. */
  family: string;
  /** The id of the bare loop it is compared with, if any. */
  bare: string | null;
  /** Replies a second over the rounds, and in each round. */
  replies_per_s: Spread & { runs: number[] };
  /** Replies a second as a share of the Python original's. */
  ratio_to_python_print: Spread | null;
  /** Replies a second as a share of its bare loop's. */
  ratio_to_bare: Spread | null;
  /** CPU time per reply, in µs. */
  cpu_us_per_reply: Spread;
  /** Highest resident memory, in MB. */
  peak_rss_mb: number;
  /** Log lines the server's writer reported dropping. */
  dropped_lines: number;
  /**
   * Lines on its stderr saying its guards refused a request, in all rounds
   * (older runs: none).
   */
  refusal_lines?: number;
}

/** Two servers measured in turn (`deno task bench`'s paired comparisons). */
export interface PairedResult {
  /** The server measured, by id. */
  a: string;
  /** The server it is held against, by id. */
  b: string;
  /** The lowest ratio the performance issue asks for, if any. */
  target: number | null;
  /** How many pairs of slices. */
  pairs: number;
  /** Seconds of each slice. */
  seconds: number;
  /** Fresh starts of both servers the pairs were spread over (older runs: 1). */
  starts?: number;
  /** `a`'s replies/s over `b`'s, pair by pair. */
  ratio: Spread & { runs: number[] };
  /** The median ratio of each start's pairs (older runs: none). */
  by_start?: number[];
  /** Lines on either server's stderr saying its guards refused a request. */
  refusal_lines?: number;
}

/** A benchmark run (`bench/results/latest.json`), as far as the page reads it. */
export interface BenchResults {
  /** The machine the run used. */
  machine: {
    /** How many CPUs. */
    cpus: number;
    /** Whether the servers were pinned to CPUs with `taskset`. */
    pinned: boolean;
    /** `/proc/loadavg` before the first round. */
    loadavg_start: string;
    /** `/proc/loadavg` after each round. */
    loadavg_rounds: string[];
    /** `/proc/loadavg` at the end. */
    loadavg_end: string;
  };
  /** How the run was made. */
  settings: {
    /** How many rounds. */
    rounds: number;
    /**
     * How many source ports the load generator sent from, in turn (older
     * runs: none, and one port).
     */
    sources?: number;
    /** The servers' budget of answers per sender (older runs: none). */
    budget?: { burst: number; per_second: number };
  };
  /** One row per server. */
  servers: ServerResult[];
  /** The comparisons measured in pairs, where the run made them. */
  paired?: PairedResult[];
  /** How the shipped echo server shows datagrams in a terminal. */
  terminal?: {
    /** Datagrams sent. */
    sent: number;
    /** Datagrams the server showed. */
    shown: number;
    /** Datagrams answered. */
    answered: number;
    /** Time between datagrams, in ms. */
    interval_ms: number;
    /** Median time to show one, in ms. */
    p50_ms: number;
    /** 90th percentile, in ms. */
    p90_ms: number;
    /** Slowest, in ms. */
    max_ms: number;
  };
  /** System calls per datagram, by server id, from `strace -f -c`. */
  syscalls?: Record<
    string,
    { datagrams: number; per_datagram: Record<string, number> }
  >;
  /** Start-up times in ms, by program. */
  startup?: Record<
    string,
    { median_ms: number; min_ms: number; max_ms: number; runs: number }
  >;
}

/** The words a page builds its sentences with. */
export interface PageWords {
  /** How many rounds, as text: `5 rounds`. */
  rounds: (rounds: number) => string;
  /** The name of each server group, by group id. */
  groupNames: Record<string, string>;
  /** Added after the machine when the servers were not pinned to CPUs. */
  pinNote: string;
  /** Added when a log writer reported dropping lines. */
  droppedNote: string;
  /** Put between the numbers of a list. */
  separator: string;
  /** A server's name. */
  label: (server: ServerResult) => string;
}

/** System calls per datagram of one server, by kind. */
export interface SyscallRow {
  /** Server id. */
  id: string;
  /** Server name, from {@linkcode PageWords.label}. */
  label: string;
  /** How many datagrams were traced. */
  datagrams: number;
  /** Receives and sends. */
  net: number;
  /** Waits: epoll, poll, futex. */
  waits: number;
  /** `write` and `writev`. */
  writes: number;
  /** Every other call. */
  other: number;
}

/** The words of the English page. */
export const en: PageWords = {
  rounds: (rounds) => rounds === 1 ? "1 round" : `${rounds} rounds`,
  groupNames: {
    yardstick: "C yardstick",
    original: "Python original",
    runtime: "one habit isolated",
    bare: "bare Deno loop",
    shipped: "shipped script",
    study: "fast-path study",
  },
  pinNote: " (not pinned: taskset was missing)",
  droppedNote: ", and the log writer reported lines it had to drop",
  separator: ", ",
  label: (server) => server.label,
};

/**
 * The servers' names in Chinese. A number in the English name (a batch size,
 * how many sends settle together) is carried over as `{n}`, so a name follows
 * the run; a server missing here keeps its English name.
 */
const zhLabels: Record<string, string> = {
  c: "C 的 recvfrom/sendto 循环，不记日志",
  python_print: "Python 原版，print 到文件",
  python_unbuffered: "Python 原版，print，PYTHONUNBUFFERED=1",
  python_quiet: "Python 原版，去掉 print",
  node_log: "Node dgram，console.log 到文件",
  node_quiet: "Node dgram，不记日志",
  deno_node_dgram_log: "Deno 运行 node:dgram，console.log 到文件",
  deno_node_dgram_quiet: "Deno 运行 node:dgram，不记日志",
  deno_naive: "Deno 朴素写法：for await + console.log",
  deno_for_await_quiet: "Deno for await，不记日志",
  deno_console_log: "Deno 最简循环 + console.log",
  deno_bare: "Deno 最简回显循环，不记日志",
  deno_bare_no_alloc: "Deno 最简回显循环，不新建数组",
  deno_shipped: "本站的 echo_server.ts，日志写到文件",
  hello_bare: "Deno 最简问候循环，不记日志",
  hello_shipped: "本站的 hello_server.ts，日志写到文件",
  time_bare: "Deno 最简时间循环，不记日志",
  time_shipped: "本站的 time_server.ts，日志写到文件",
  size_bare: "Deno 最简数据长度循环，不记日志",
  size_shipped: "本站的 size_server.ts，日志写到文件",
  study_in_flight: "实验：同时挂起 {n} 个接收，记日志",
  study_unawaited: "实验：发送每 {n} 个一起完成，记日志",
  study_ffi_sync: "实验：FFI，每次调用 {n} 个数据报，不记日志",
  study_ffi_quiet: "实验：FFI，每次调用 {n} 个，不记日志",
  study_ffi: "实验：FFI，每次调用 {n} 个，记日志",
  study_ffi_small_batch: "实验：FFI，每次调用 {n} 个，记日志",
  study_ffi_thread: "实验：FFI，每次调用 {n} 个，在线程上等待，记日志",
};

/** The words of the Chinese page. */
export const zh: PageWords = {
  rounds: (rounds) => `${rounds} 轮`,
  groupNames: {
    yardstick: "C 基准",
    original: "Python 原版",
    runtime: "单独考察一个习惯",
    bare: "Deno 最简循环",
    shipped: "本站脚本",
    study: "快速路径实验",
  },
  pinNote: "（未能绑定 CPU：缺少 taskset）",
  droppedNote: "；日志写入器还报告了它不得不丢弃的行",
  separator: "、",
  label: (server) => {
    const name = zhLabels[server.id];
    const n = /\d+/.exec(server.label)?.[0];
    if (name === undefined || (name.includes("{n}") && n === undefined)) {
      return server.label;
    }
    return name.replace("{n}", n ?? "");
  },
};

/** Calls that move datagrams. */
const NETWORK = [
  "recvfrom",
  "sendto",
  "recvmmsg",
  "sendmmsg",
  "recvmsg",
  "sendmsg",
];
/** Calls that wait for the socket or another thread. */
const WAITS = [
  "epoll_wait",
  "epoll_pwait",
  "epoll_pwait2",
  "poll",
  "ppoll",
  "futex",
];

/**
 * Works out every figure the performance page shows from one benchmark run.
 * Each figure is text with 2 or 3 significant digits (`bench/format.ts`),
 * except the few the page compares or lays out itself.
 *
 * @param bench The run, `bench/results/latest.json`.
 * @param words The page's words, {@linkcode en} or {@linkcode zh}.
 * @returns The figures, named as the page uses them.
 */
export function pageFigures(bench: BenchResults, words: PageWords) {
  const servers = bench.servers;
  const byId: Record<string, ServerResult | undefined> = Object.fromEntries(
    servers.map((s) => [s.id, s]),
  );
  const echoRows = servers.filter((s) => s.family === "echo");
  const otherShipped = servers.filter((s) => s.family !== "echo" && s.bare);

  const rate = (id: string) => sig(byId[id]?.replies_per_s.median);
  const rates = (id: string) => range(byId[id]?.replies_per_s);
  const py = (id: string) => ratio(byId[id]?.ratio_to_python_print?.median);
  const pyRange = (id: string) => range(byId[id]?.ratio_to_python_print, ratio);
  const vsBare = (id: string) => ratio(byId[id]?.ratio_to_bare?.median);
  const vsBareRange = (id: string) => range(byId[id]?.ratio_to_bare, ratio);
  const cpuOf = (id: string) => byId[id]?.cpu_us_per_reply.median ?? NaN;
  const cpu = (id: string) => sig(cpuOf(id), 2);
  const us = (value: number) => Math.abs(value) < 0.05 ? "≈ 0" : sig(value, 2);
  const rss = (id: string) => sig(byId[id]?.peak_rss_mb, 2);
  const median = (values: number[]) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2
      ? sorted[middle]
      : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const percent = (share: number) => sig(100 * share, 2);
  const rounds = bench.settings.rounds;
  const roundsText = words.rounds(rounds);
  const times = (a: number, b: number) => sig(a / b, 2);

  // How far the figures moved from round to round.
  const rateSpreads = servers.map((s) => halfWidth(s.replies_per_s))
    .filter(Number.isFinite);
  const ratioSpreads = servers
    .filter((s) => s.ratio_to_python_print && s.id !== "python_print")
    .map((s) => halfWidth(s.ratio_to_python_print!))
    .filter(Number.isFinite);
  const widest = servers.reduce((a, b) =>
    halfWidth(b.replies_per_s) > halfWidth(a.replies_per_s) ? b : a
  );
  const loads = [
    bench.machine.loadavg_start,
    ...bench.machine.loadavg_rounds,
    bench.machine.loadavg_end,
  ];
  const firstMinute = loads.map((text) => Number(text.split(" ")[0]));
  const busiest = Math.max(...firstMinute);
  const othersRan = busiest > bench.machine.cpus + 0.5;

  // Where a datagram's CPU time goes (µs), from rows of the same run.
  const kernel = cpuOf("c");
  const denoOps = cpuOf("deno_bare_no_alloc") - kernel;
  const replyArray = cpuOf("deno_bare") - cpuOf("deno_bare_no_alloc");
  // The shipped server makes no array per datagram: held against the bare
  // loop that makes none either.
  const ourCode = cpuOf("deno_shipped") - cpuOf("deno_bare_no_alloc");
  const pythonLoop = cpuOf("python_quiet") - kernel;
  const pythonPrint = cpuOf("python_print") - cpuOf("python_quiet");
  const ffiCall = cpuOf("study_ffi_sync") - kernel;
  const overBudget = cpuOf("deno_shipped") - cpuOf("python_print");

  // System calls per datagram (strace -f -c), by kind.
  const sum = (calls: Record<string, number>, names: string[]) =>
    names.reduce((n, name) => n + (calls[name] ?? 0), 0);
  const syscallRows: SyscallRow[] = Object.entries(bench.syscalls ?? {}).map(
    ([id, count]) => {
      const calls = count.per_datagram;
      const all = Object.values(calls).reduce((a, b) => a + b, 0);
      const net = sum(calls, NETWORK);
      const waits = sum(calls, WAITS);
      const writes = sum(calls, ["write", "writev"]);
      const server = byId[id];
      return {
        id,
        label: server ? words.label(server) : id,
        datagrams: count.datagrams,
        net,
        waits,
        writes,
        other: all - net - waits - writes,
      };
    },
  );
  const syscallsOf = (id: string) => syscallRows.find((row) => row.id === id);

  // The load generator's ceiling: the most replies it drove any server to.
  const { fastest, runnerUp, limitedNone: loadLimitedNone } = loadCeiling(
    servers,
  );

  // The load's spread over source ports, and what the guards refused of it:
  // undefined for a run made before either was recorded.
  const sources = bench.settings.sources;
  const perSource = sources === undefined
    ? undefined
    : fastest.replies_per_s.max / sources;
  const recorded = [...servers, ...(bench.paired ?? [])]
    .map((row) => row.refusal_lines);
  const refusalLines = recorded.some((lines) => lines === undefined)
    ? undefined
    : recorded.reduce((sum: number, lines) => sum + (lines ?? 0), 0);

  // The comparisons measured in turn, and how far their pairs moved.
  const pairedRows = (bench.paired ?? []).map((pair) => {
    const [a, b] = [byId[pair.a], byId[pair.b]];
    return {
      ...pair,
      aLabel: a ? words.label(a) : pair.a,
      bLabel: b ? words.label(b) : pair.b,
      met: pair.target === null ? null : pair.ratio.median >= pair.target,
    };
  });
  const pairedOf = (a: string, b: string) =>
    pairedRows.find((pair) => pair.a === a && pair.b === b);
  const inTurn = (a: string, b: string) => ratio(pairedOf(a, b)?.ratio.median);
  const inTurnRange = (a: string, b: string) =>
    range(pairedOf(a, b)?.ratio, ratio);
  // How far a comparison's pairs moved: the middle half of them, which does
  // not widen as more pairs are taken (the lowest and highest are in the
  // table), set beside the middle half of the rounds' ratios to Python.
  const pairSpreads = pairedRows
    .map((pair) => middleHalfWidth(pair.ratio.runs, pair.ratio.median))
    .filter(Number.isFinite);
  const python = byId.python_print?.replies_per_s.runs ?? [];
  const roundRatioSpreads = servers
    .filter((s) => s.ratio_to_python_print && s.id !== "python_print")
    .filter((s) => s.replies_per_s.runs.length === python.length)
    .map((s) =>
      middleHalfWidth(
        s.replies_per_s.runs.map((rate, round) => rate / python[round]),
        s.ratio_to_python_print!.median,
      )
    )
    .filter(Number.isFinite);
  // How far a ratio moved from one start of the two servers to the next: the
  // middle half of its starts' medians, for each comparison with two or more.
  const startSpreads = pairedRows.flatMap((pair) => {
    const medians = pair.by_start ?? [];
    if (medians.length < 2) return [];
    return [middleHalfWidth(medians, pair.ratio.median)];
  }).filter(Number.isFinite);
  const pairStarts = pairedRows[0]?.starts ?? 1;
  // The share of the shipped echo server's time that is our code: it runs at
  // r × the speed of the floor, so the floor's work is r of its time.
  const floorRatio = pairedOf("deno_shipped", "deno_bare_no_alloc")?.ratio;
  const ourShare = Math.max(0, 1 - (floorRatio?.median ?? NaN));

  // The chart: bars to scale, the lowest-to-highest round as a thin line.
  const chartMax = Math.max(...echoRows.map((s) => s.replies_per_s.max));
  const pct = (value: number) => `${(100 * value / chartMax).toFixed(2)}%`;
  const pythonRate = byId.python_print?.replies_per_s.median ?? 0;
  const colours: Record<string, string> = {
    yardstick: "#8e8e93",
    original: "#3572a5",
    runtime: "#c9a227",
    bare: "#e07b39",
    shipped: "#2e9e5b",
    study: "#b05fc4",
  };

  return {
    servers,
    byId,
    echoRows,
    otherShipped,
    rate,
    rates,
    py,
    pyRange,
    vsBare,
    vsBareRange,
    cpuOf,
    cpu,
    us,
    rss,
    median,
    percent,
    rounds,
    roundsText,
    times,
    rateSpreads,
    ratioSpreads,
    widest,
    firstMinute,
    busiest,
    othersRan,
    kernel,
    denoOps,
    replyArray,
    ourCode,
    pythonLoop,
    pythonPrint,
    ffiCall,
    overBudget,
    syscallRows,
    syscallsOf,
    pct,
    pythonRate,
    colours,
    fastest,
    runnerUp,
    loadLimitedNone,
    sources,
    perSource,
    refusalLines,
    budget: bench.settings.budget,
    pairedRows,
    inTurn,
    inTurnRange,
    pairSpreads,
    roundRatioSpreads,
    startSpreads,
    pairStarts,
    ourShare,
    groupNames: words.groupNames,
    labelOf: words.label,
    terminal: bench.terminal,
    pinNote: bench.machine.pinned ? "" : words.pinNote,
    droppedNote: servers.some((s) => s.dropped_lines > 0)
      ? words.droppedNote
      : "",
    afterRounds: firstMinute.slice(1, -1).join(words.separator),
    startup: bench.startup ?? {},
  };
}
