/**
 * What the reliability page (`docs/reliability.md`) and its Chinese twin
 * (`docs/zh/reliability.md`) work out from `docs/data/reliability.json`,
 * the figures `tools/reliability.ts` writes. Both pages call
 * {@linkcode reliabilityFigures} with their own {@linkcode Words}, so they
 * show the same numbers with only the words around them translated.
 *
 * ```ts ignore
 * import figures from "./data/reliability.json";
 * import { reliabilityFigures } from "../tools/reliability_figures.ts";
 *
 * const { broadcastRows, n } = reliabilityFigures(figures, {
 *   loopback: "loopback",
 *   check: " (a check)",
 *   separator: ", ",
 *   netOnly: "-N only",
 *   notCovered: " (not covered)",
 *   services: { echo: "plain echo" },
 * });
 * ```
 *
 * @module
 */
import type {
  broadcastFigures,
  floodFigures,
  loopFigures,
  lossFigures,
  reflectionFigures,
  stalledLogFigures,
} from "./reliability.ts";

/** Why a figure was not measured, as `tools/reliability.ts` records it. */
export interface NotMeasured {
  /** For example `"not measured (needs root)"`. */
  notMeasured: string;
}

/** What a figure function of `tools/reliability.ts` resolves to. */
type Resolved<F extends (...args: never[]) => Promise<unknown>> = Awaited<
  ReturnType<F>
>;

/** The reflection figures, or why they were not measured. */
export type ReflectionFigures =
  | Resolved<typeof reflectionFigures>
  | NotMeasured;

/** The loops with other services, or why they were not measured. */
export type LoopFigures = Resolved<typeof loopFigures> | NotMeasured;

/** One exchange between a service and a server. */
export type LoopExchange = Resolved<typeof loopFigures>["exchanges"][number];

/** The broadcast-source figures, or why they were not measured. */
export type BroadcastFigures = Resolved<typeof broadcastFigures> | NotMeasured;

/** The stalled-log figures. */
export type StalledLogFigures = Resolved<typeof stalledLogFigures>;

/** One flood: a server, a payload size, and memory before and after. */
export type FloodRow = Resolved<typeof floodFigures>[number];

/** One loss rate through the lossy relay: the attempts of each seed. */
export type LossRow = Resolved<typeof lossFigures>[number];

/** The part of `docs/data/reliability.json` the pages compute from. */
export interface ReliabilityData {
  reflection: ReflectionFigures;
  serviceLoops: LoopFigures;
  broadcastSources: BroadcastFigures;
  stalledLog: StalledLogFigures;
  floods: FloodRow[];
}

/** The words a page puts around the figures, in its language. */
export interface Words {
  /** Where requests are forged on loopback: `"loopback"`. */
  loopback: string;
  /** Appended to a row forged from an ordinary address: `" (a check)"`. */
  check: string;
  /** Between a network and how its servers run: `", "`. */
  separator: string;
  /** Servers run with `-N` and no `--allow-sys`: `"-N only"`. */
  netOnly: string;
  /** Appended to a network the guard does not cover: `" (not covered)"`. */
  notCovered: string;
  /** Each service of the loop table by its id, such as `"plain echo"`. */
  services: Record<string, string>;
}

/** One forged source address, and what each server answered it. */
export interface BroadcastRow {
  /** The forged source address. */
  source: string;
  /** Where it was forged, and how, in the page's words. */
  where: string;
  /** Datagrams answered, one per server, in the order of {@linkcode SERVERS}. */
  answers: number[];
}

/** The servers that answer requests, in the order the tables show them. */
export const SERVERS = [
  "echo_server",
  "hello_server",
  "time_server",
  "size_server",
] as const;

/** The loopback broadcast addresses requests are forged from. */
const LOOPBACK_BROADCASTS = ["127.255.255.255", "255.255.255.255"] as const;

/** A number of bytes in MiB, with one decimal: `mib(1572864)` is `"1.5"`. */
export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** A count with thousands separators: `n(10000)` is `"10,000"`. */
export function n(count: number): string {
  return count.toLocaleString("en");
}

/** True if the figure was measured, false if it records why not. */
export function measured<T extends object>(
  figure: T | NotMeasured,
): figure is T {
  return (figure as Partial<NotMeasured>).notMeasured === undefined;
}

/** A server's name without `_server`: `short("echo_server")` is `"echo"`. */
export function short(server: string): string {
  return server.replace("_server", "");
}

/**
 * The attempts of each seed, separated by spaces, those of a failed run
 * marked `✗`: `"1 2 6✗"`.
 */
export function attempts(row: Pick<LossRow, "attempts" | "failedSeeds">) {
  return row.attempts.map((count, i) =>
    row.failedSeeds.includes(i + 1) ? `${count}✗` : String(count)
  ).join(" ");
}

/**
 * The broadcast-source table: one row per forged source address, each
 * ordinary one a check for the broadcast ones after it. Empty if nothing
 * was measured; without the namespace rows if those were not.
 */
export function broadcastRows(
  broadcast: BroadcastFigures,
  words: Words,
): BroadcastRow[] {
  if (!measured(broadcast)) return [];
  const { loopback, namespaces } = broadcast;
  return [
    {
      source: "127.0.0.1",
      where: words.loopback + words.check,
      answers: loopback.map((row) => row.fromOrdinary),
    },
    ...LOOPBACK_BROADCASTS.map((source) => ({
      source,
      where: words.loopback,
      answers: loopback.map((row) => row.fromBroadcast[source]),
    })),
    ...(!measured(namespaces) ? [] : namespaces.flatMap((net) => {
      const where = net.network + words.separator +
        (net.permissions.includes("--allow-sys")
          ? "--allow-sys"
          : words.netOnly);
      return [
        {
          source: net.ordinarySource,
          where: where + words.check,
          answers: net.rows.map((row) => row.fromOrdinary),
        },
        {
          source: net.broadcast,
          where: where + (net.covered ? "" : words.notCovered),
          answers: net.rows.map((row) => row.fromBroadcast),
        },
      ];
    })),
  ];
}

/** One row of the loop table: a service, and each server's exchange with it. */
export interface LoopRow {
  /** The service, in the page's words. */
  service: string;
  /** The service's id. */
  id: string;
  /** One exchange per server, in the order of {@linkcode loopServers}. */
  exchanges: LoopExchange[];
}

/** The servers of the loop table, in the order they were measured. */
export function loopServers(loops: LoopFigures): string[] {
  if (!measured(loops)) return [];
  return [...new Set(loops.exchanges.map((row) => row.server))];
}

/**
 * The loop table: one row per service, in the order they were measured,
 * each with its exchange with every server. Empty if nothing was measured.
 */
export function loopRows(loops: LoopFigures, words: Words): LoopRow[] {
  if (!measured(loops)) return [];
  const servers = loopServers(loops);
  const services = [...new Set(loops.exchanges.map((row) => row.service))];
  return services.map((id) => ({
    id,
    service: words.services[id] ?? id,
    exchanges: servers.map((server) =>
      loops.exchanges.find((row) => row.service === id && row.server === server)
    ).filter((row): row is LoopExchange => row !== undefined),
  }));
}

/**
 * How much a flood grew the server's resident memory, in bytes: `NaN` where
 * memory was not measured, so that such a flood is never the largest.
 */
function growth(row: FloodRow): number {
  return Number(row.rssAfter) - Number(row.rssBefore);
}

/**
 * Everything the reliability pages compute from the figures, with the
 * formatting helpers their templates call.
 */
export function reliabilityFigures(figures: ReliabilityData, words: Words) {
  const reflection = figures.reflection;
  const loops = figures.serviceLoops;
  const broadcast = figures.broadcastSources;
  return {
    mib,
    n,
    measured,
    short,
    attempts,
    SERVERS,
    reflection,
    /** The reflection figures of one datagram forged from `from` to `to`. */
    pair: (from: string, to: string) =>
      measured(reflection)
        ? reflection.pairs.find((row) => row.from === from && row.to === to)
        : undefined,
    loops,
    loopServers: loopServers(loops),
    loopRows: loopRows(loops, words),
    broadcast,
    broadcastRows: broadcastRows(broadcast, words),
    /** The first network whose broadcast address the guard does not cover. */
    uncovered: !measured(broadcast) || !measured(broadcast.namespaces)
      ? undefined
      : broadcast.namespaces.find((net) => !net.covered),
    log: figures.stalledLog,
    /** The flood after which a server's memory grew the most. */
    largestGrowth: figures.floods.reduce((most, row) =>
      growth(row) > growth(most) ? row : most
    ),
  };
}
