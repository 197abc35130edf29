/**
 * The command line of every script: flags through `@std/cli`'s `parseArgs`,
 * `--help`, and the one-line errors a user deserves. A mistake on the command
 * line is one line on stderr and exit code 2; a failure the user can fix is
 * one line and exit code 1; never a stack trace.
 *
 * @module
 */
import { parseArgs } from "jsr:@std/cli@^1/parse-args";
import { setColorEnabled } from "jsr:@std/fmt@^1/colors";
import { quoted, safeString } from "./text.ts";

/**
 * What a script accepts. `string`, `boolean` and `default` are passed to
 * `parseArgs` as they are; `help` has one line per flag, keyed by the flag as
 * `--help` shows it (`"--port N"`).
 */
export interface Command<S extends string, B extends string> {
  /** The script's file name without `.ts`, such as `echo_server`. */
  name: string;
  /** One sentence: what the script does. */
  summary: string;
  /** Flags that take a value. */
  string: readonly S[];
  /** Flags that take none. */
  boolean?: readonly B[];
  /**
   * The value of every flag that takes one, when it is not given; `--help`
   * shows it, unless it is `""`.
   */
  default: Record<S, string>;
  /** One line of help per flag, such as `{ "--port N": "UDP port" }`. */
  help: Record<string, string>;
  /** The command that runs it; `deno run -N scripts/NAME.ts` if absent. */
  run?: string;
  /** Positional arguments for the usage line, such as `[NAME...]`. */
  positionals?: string;
  /** Lines shown at the end of `--help`: which script to pair with. */
  notes?: readonly string[];
}

/** The parsed flags: each value flag as typed, each boolean, the positionals. */
export type Flags<S extends string, B extends string> =
  & { [K in S]: string }
  & { [K in B]: boolean }
  & { _: string[] };

let current: Command<string, string> = {
  name: "script",
  summary: "",
  string: [],
  default: {},
  help: {},
};

function usageLine(): string {
  const positionals = current.positionals ? ` ${current.positionals}` : "";
  const run = current.run ?? `deno run -N scripts/${current.name}.ts`;
  return `${run} [options]${positionals}`;
}

/**
 * Ends the program for a mistake on the command line: one line on stderr
 * with the usage, then exit code 2.
 *
 * @param message What was wrong, such as `--port must be …`.
 */
export function usage(message: string): never {
  console.error(
    `${current.name}: ${message}. Usage: ${usageLine()} (--help for more)`,
  );
  Deno.exit(2);
}

/**
 * Ends the program for a failure the user can fix (a taken port, no
 * reply): one line on stderr, then `code`.
 *
 * @param message What went wrong and what to do.
 * @param code The exit code, 1 by default.
 */
export function fail(message: string, code = 1): never {
  reportIgnoredNow();
  console.error(`${current.name}: ${message}`);
  Deno.exit(code);
}

/** The least time between two lines of {@linkcode reportIgnored}. */
export const IGNORED_REPORT_MS = 1_000;

let ignoredSinceReport = 0;
let lastIgnored = "";
let lastReportAt = -Infinity;
let ignoredTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Says on stderr that a client ignored a datagram, and why, without letting
 * a flood of them flood the terminal: at most one line a second. The first
 * is named at once; those that come within the next second are counted, and
 * then one line names the last of them with the count. A count still owed
 * when the program ends comes before its last line.
 *
 * @example
 * ```ts ignore
 * import { reportIgnored } from "./cli.ts";
 *
 * reportIgnored("10 bytes from 127.0.0.1:5353: not the server");
 * // stderr: ignored 10 bytes from 127.0.0.1:5353: not the server
 * ```
 *
 * @param what What came and why it was ignored, made safe to print.
 */
export function reportIgnored(what: string): void {
  const now = performance.now(); // never set back, unlike the clock
  if (ignoredTimer === undefined && now - lastReportAt >= IGNORED_REPORT_MS) {
    console.error(`ignored ${what}`);
    lastReportAt = now;
    return;
  }
  ignoredSinceReport++;
  lastIgnored = what;
  if (ignoredTimer === undefined) {
    // The line is due a second after the last; the program need not wait
    // for it, since it is printed as the program ends if it comes to that.
    ignoredTimer = setTimeout(
      reportIgnoredNow,
      lastReportAt + IGNORED_REPORT_MS - now,
    );
    Deno.unrefTimer(ignoredTimer);
    addEventListener("unload", reportIgnoredNow);
  }
}

/** Prints the count {@linkcode reportIgnored} owes, if it owes one. */
function reportIgnoredNow(): void {
  if (ignoredTimer === undefined) return;
  clearTimeout(ignoredTimer);
  removeEventListener("unload", reportIgnoredNow);
  ignoredTimer = undefined;
  const count = ignoredSinceReport;
  ignoredSinceReport = 0;
  lastReportAt = performance.now();
  console.error(
    count === 1
      ? `ignored ${lastIgnored}`
      : `ignored ${count.toLocaleString("en-US")} more datagrams; ` +
        `the last: ${lastIgnored}`,
  );
}

/**
 * Parses `Deno.args` for a script, prints `--help`, and exits 2 on an
 * unknown flag, a flag given twice, or a flag with no value. It also turns
 * colour on only when stdout is a terminal and `NO_COLOR` is unset, and makes
 * any error Deno reports (a refused permission, say) one line and exit 1. Run
 * without `--unstable-net`, where Deno has no UDP API, it says so in one line
 * naming the flag and exits 1, as a missing `-N` does.
 *
 * @example
 * ```ts ignore
 * import { parseCommand } from "./cli.ts";
 *
 * const flags = parseCommand({
 *   name: "demo",
 *   summary: "A demo.",
 *   string: ["port"],
 *   default: { port: "8888" },
 *   help: { "--port N": "UDP port" },
 * });
 * ```
 *
 * @param command What the script accepts.
 * @param args The arguments, `Deno.args` by default.
 * @returns The flags, values as typed: check them with {@linkcode parsePort}
 * and {@linkcode parseNumber}.
 */
export function parseCommand<const S extends string, const B extends string>(
  command: Command<S, B>,
  args: readonly string[] = Deno.args,
): Flags<S, B> {
  current = command;
  setColorEnabled(Deno.stdout.isTerminal() && !Deno.noColor);
  addEventListener("unhandledrejection", (event) => {
    if (!(event.reason instanceof Error)) return;
    event.preventDefault();
    // Deno's message may quote what the user typed: shown made safe.
    const reason = safeString(event.reason.message);
    if (event.reason instanceof Deno.errors.NotCapable) {
      fail(`no permission: ${reason}; run with -N (--allow-net)`);
    }
    fail(reason);
  });
  const end = args.includes("--") ? args.indexOf("--") : args.length;
  if (args.slice(0, end).some((arg) => arg === "--help" || arg === "-h")) {
    console.log(helpText());
    Deno.exit(0);
  }
  // "--port -1" means the value "-1", not a flag: join each pair first.
  const joined: string[] = [];
  for (let i = 0; i < end; i++) {
    const name = args[i].startsWith("--") ? args[i].slice(2) : "";
    const takesValue = (command.string as readonly string[]).includes(name);
    if (takesValue && i + 1 === end) usage(`--${name} needs a value`);
    joined.push(takesValue ? `--${name}=${args[++i]}` : args[i]);
  }
  const parsed = parseArgs([...joined, ...args.slice(end)], {
    string: [...command.string, "_"], // "_" keeps "007" as typed
    boolean: command.boolean ?? [],
    collect: command.string, // a flag given twice shows up as two values
    unknown: (arg: string) =>
      arg.startsWith("-")
        ? usage(`unknown flag ${safeString(arg.split("=")[0])}`)
        : true,
  });
  const flags: Record<string, unknown> = { _: parsed._.map(String) };
  for (const name of command.string) {
    const values = (parsed[name] ?? []) as string[];
    if (values.length > 1) usage(`--${name} is given ${values.length} times`);
    flags[name] = values[0] ?? command.default[name];
  }
  for (const name of command.boolean ?? []) flags[name] = parsed[name] === true;
  if (!command.positionals && parsed._.length > 0) {
    usage(`unexpected argument ${quoted(String(parsed._[0]))}`);
  }
  // Deno's UDP API is still unstable: without the flag it is simply absent.
  if (typeof Deno.listenDatagram !== "function") {
    fail(
      "Deno's UDP API needs the --unstable-net flag: " +
        `deno run -N --unstable-net scripts/${command.name}.ts`,
    );
  }
  return flags as Flags<S, B>;
}

function helpText(): string {
  const rows = Object.entries(current.help).map(([flag, text]) => {
    const name = flag.slice(2).split(" ")[0];
    const value = (current.default as Record<string, string>)[name];
    const plain = /^\d+(\.\d+)?$/.test(value) ? value : JSON.stringify(value);
    // An empty default means "not given": the flag's help says what happens.
    const shown = value === undefined || value === ""
      ? ""
      : ` (default: ${plain})`;
    return [flag, text + shown];
  });
  rows.push(["-h, --help", "show this help and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    current.summary,
    "",
    `Usage: ${usageLine()}`,
    "",
    "Options:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    ...(current.notes?.length ? ["", ...current.notes] : []),
  ].join("\n");
}

/**
 * Checks a port: a whole number from `min` to 65535, digits only. Exits 2
 * otherwise.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parsePort } from "./cli.ts";
 *
 * assertEquals(parsePort("8888"), 8888);
 * ```
 *
 * @param text The value as typed.
 * @param flag The flag's name, for the message.
 * @param min 0 for a server (any free port), 1 for a client's target.
 * @returns The port.
 */
export function parsePort(text: string, flag = "port", min = 0): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= min && port <= 65535)) {
    usage(
      `--${flag} must be a whole number from ${min} to 65535, not ${
        quoted(text)
      }`,
    );
  }
  return port;
}

/**
 * Checks a plain decimal number (`0.5`, `3`) against a range. Exits 2
 * otherwise.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseNumber } from "./cli.ts";
 *
 * assertEquals(parseNumber("0.5", "timeout", { above: 0, max: 86_400 }), 0.5);
 * ```
 *
 * @param text The value as typed.
 * @param flag The flag's name, for the message.
 * @param range `above` or `min` as the lower bound, `max` as the upper, and
 * `whole` for whole numbers only.
 * @returns The number.
 */
export function parseNumber(
  text: string,
  flag: string,
  range: { above?: number; min?: number; max: number; whole?: boolean },
): number {
  const pattern = range.whole ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  const value = pattern.test(text) ? Number(text) : NaN;
  const low = range.above ?? range.min ?? 0;
  const inRange = range.above === undefined ? value >= low : value > low;
  if (!(inRange && value <= range.max)) {
    const kind = range.whole ? "a whole number" : "a number";
    const bounds = range.above === undefined
      ? `from ${low} to ${range.max}`
      : `above ${low} and at most ${range.max}`;
    usage(
      `--${flag} must be ${kind} ${bounds}, not ${quoted(text)}`,
    );
  }
  return value;
}

/**
 * Calls `stop` once on Ctrl-C (SIGINT) or SIGTERM (SIGINT alone on Windows),
 * and makes sure the program then ends within a second, even if a write to
 * its log is stuck.
 *
 * @example
 * ```ts ignore
 * import { onStopSignal } from "./cli.ts";
 *
 * onStopSignal(() => conn.close());
 * ```
 *
 * @param stop What to do: usually close the socket, which ends the loop.
 */
export function onStopSignal(stop: () => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  function handler() {
    for (const signal of signals) Deno.removeSignalListener(signal, handler);
    stop();
    Deno.unrefTimer(setTimeout(() => Deno.exit(0), 500));
  }
  for (const signal of signals) Deno.addSignalListener(signal, handler);
}
