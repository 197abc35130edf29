/**
 * Command-line flags for the scripts, on `@std/cli`'s `parseArgs`, with the
 * checks a user deserves: an unknown flag, a port that is not 0–65535 or a
 * bad number is one clear line on stderr and exit code 2, never a stack trace.
 *
 * @module
 */
import { parseArgs } from "jsr:@std/cli@^1/parse-args";
import { setColorEnabled } from "jsr:@std/fmt@^1/colors";
import { flushOutput } from "./output.ts";

/** A mistake on the command line. {@linkcode runCommand} exits 2 on it. */
export class UsageError extends Error {
  /** @param message What was wrong, and what would be right. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A failure the user can fix (port taken, no reply), as opposed to a bug.
 * {@linkcode runCommand} prints its message as one line and exits with
 * `exitCode`.
 */
export class CliError extends Error {
  /** The process exit code, 1 unless said otherwise. */
  exitCode: number;
  /**
   * @param message What went wrong and what to do.
   * @param exitCode The exit code to end with.
   */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** The kinds of value a flag can take, each with its own check. */
export type FlagKind =
  | "string"
  | "port"
  | "seconds"
  | "probability"
  | "count"
  | "boolean";

/** One flag: its kind, its help text, and its default if it has one. */
export interface FlagSpec {
  /** Which check the value must pass. */
  kind: FlagKind;
  /** One line for `--help`. */
  help: string;
  /** The value when the flag is not given. */
  default?: string | number | boolean;
}

/** What a script accepts, for parsing and for `--help`. */
export interface CommandSpec {
  /** The script's file name without `.ts`, e.g. `echo_server`. */
  name: string;
  /** One sentence: what the script does. */
  summary: string;
  /** Flags by name in camelCase; `initialDelay` is `--initial-delay`. */
  flags: Record<string, FlagSpec>;
  /** The command that runs it; `deno run -N scripts/NAME.ts` if absent. */
  run?: string;
  /** Placeholder for positional arguments (`[NAME...]`); none if absent. */
  positionals?: string;
  /** Lines shown at the end of `--help`: examples, which script to pair with. */
  notes?: readonly string[];
}

type ValueOf<F extends FlagSpec> = F["kind"] extends "boolean" ? boolean
  : F["kind"] extends "string" ? string
  : number;

/** The parsed flags of a {@linkcode CommandSpec}, typed from its spec. */
export type Flags<S extends CommandSpec> =
  & {
    [K in keyof S["flags"]]: S["flags"][K] extends { default: unknown }
      ? ValueOf<S["flags"][K]>
      : ValueOf<S["flags"][K]> | undefined;
  }
  & { help: boolean; _: string[] };

/**
 * Turns a camelCase flag key into its command-line name.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { flagName } from "./flags.ts";
 *
 * assertEquals(flagName("initialDelay"), "initial-delay");
 * ```
 *
 * @param key The key in {@linkcode CommandSpec.flags}.
 * @returns The name after `--`.
 */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Checks a port number: a whole number from 0 to 65535, digits only.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "jsr:@std/assert@^1";
 * import { parsePort, UsageError } from "./flags.ts";
 *
 * assertEquals(parsePort("8888"), 8888);
 * assertThrows(() => parsePort("8e3"), UsageError);
 * ```
 *
 * @param text The value as typed.
 * @param flag The flag's name, for the error message.
 * @returns The port.
 * @throws {UsageError} If `text` is not a port.
 */
export function parsePort(text: string, flag = "port"): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) {
    throw new UsageError(
      `--${flag} must be a whole number from 0 to 65535, not ${
        JSON.stringify(text)
      }`,
    );
  }
  return port;
}

/**
 * Checks a duration in seconds: a plain decimal number above 0, at most a day.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseSeconds } from "./flags.ts";
 *
 * assertEquals(parseSeconds("0.5"), 0.5);
 * ```
 *
 * @param text The value as typed.
 * @param flag The flag's name, for the error message.
 * @returns The number of seconds.
 * @throws {UsageError} If `text` is not such a number.
 */
export function parseSeconds(text: string, flag = "timeout"): number {
  const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0 && seconds <= 86_400)) {
    throw new UsageError(
      `--${flag} must be a number of seconds above 0 and at most 86400, not ${
        JSON.stringify(text)
      }`,
    );
  }
  return seconds;
}

/**
 * Checks a probability: a plain decimal number from 0 to 1.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseProbability } from "./flags.ts";
 *
 * assertEquals(parseProbability("0.5"), 0.5);
 * ```
 *
 * @param text The value as typed.
 * @param flag The flag's name, for the error message.
 * @returns The probability.
 * @throws {UsageError} If `text` is not a number from 0 to 1.
 */
export function parseProbability(text: string, flag = "drop"): number {
  const p = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(p >= 0 && p <= 1)) {
    throw new UsageError(
      `--${flag} must be a number from 0 to 1, not ${JSON.stringify(text)}`,
    );
  }
  return p;
}

/**
 * Checks a count: a whole number from 1 to 1,000,000.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseCount } from "./flags.ts";
 *
 * assertEquals(parseCount("3"), 3);
 * ```
 *
 * @param text The value as typed.
 * @param flag The flag's name, for the error message.
 * @returns The count.
 * @throws {UsageError} If `text` is not such a number.
 */
export function parseCount(text: string, flag = "count"): number {
  const count = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= 1_000_000)) {
    throw new UsageError(
      `--${flag} must be a whole number from 1 to 1000000, not ${
        JSON.stringify(text)
      }`,
    );
  }
  return count;
}

const CHECKS: Record<
  Exclude<FlagKind, "boolean">,
  (text: string, flag: string) => string | number
> = {
  string: (text) => text,
  port: parsePort,
  seconds: parseSeconds,
  probability: parseProbability,
  count: parseCount,
};

/**
 * Parses and checks command-line arguments against a spec.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseFlags } from "./flags.ts";
 *
 * const spec = {
 *   name: "demo",
 *   summary: "A demo.",
 *   flags: { port: { kind: "port", default: 8888, help: "UDP port" } },
 * } as const;
 * assertEquals(parseFlags(["--port", "0"], spec).port, 0);
 * ```
 *
 * @param args The arguments, usually `Deno.args`.
 * @param spec What the script accepts.
 * @returns The flags, each checked and typed, defaults filled in.
 * @throws {UsageError} On an unknown flag, a bad value or a stray argument.
 */
export function parseFlags<const S extends CommandSpec>(
  args: readonly string[],
  spec: S,
): Flags<S> {
  const entries = Object.entries(spec.flags);
  const booleans = entries.filter(([, f]) => f.kind === "boolean")
    .map(([key]) => flagName(key));
  const strings = entries.filter(([, f]) => f.kind !== "boolean")
    .map(([key]) => flagName(key));
  const known = new Set(["_", "help", "h", ...booleans, ...strings]);
  // "--port -1" means the value "-1", not a flag "-1": join such pairs first.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      joined.push(...args.slice(i));
      break;
    }
    const name = args[i].startsWith("--") ? args[i].slice(2) : "";
    if (strings.includes(name) && i + 1 === args.length) {
      throw new UsageError(`--${name} needs a value`);
    }
    const takesValue = strings.includes(name);
    joined.push(takesValue ? `--${name}=${args[++i]}` : args[i]);
  }
  const parsed = parseArgs(joined, {
    boolean: [...booleans, "help"],
    // "_" keeps positionals as typed: without it "007" would become "7".
    string: [...strings, "_"],
    alias: { help: "h" },
  });
  const unknown = Object.keys(parsed).find((key) => !known.has(key));
  if (unknown !== undefined) {
    const dashes = unknown.length === 1 ? "-" : "--";
    throw new UsageError(`unknown flag ${dashes}${unknown}`);
  }
  const flags: Record<string, unknown> = {
    help: parsed.help === true,
    _: parsed._.map(String),
  };
  for (const [key, flag] of entries) {
    const name = flagName(key);
    const value = parsed[name];
    if (flag.kind === "boolean") {
      flags[key] = value === true;
    } else if (value === undefined) {
      flags[key] = flag.default;
    } else if (typeof value !== "string") {
      throw new UsageError(`--${name} needs a value`);
    } else {
      flags[key] = CHECKS[flag.kind](value, name);
    }
  }
  if (!spec.positionals && parsed._.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(String(parsed._[0]))}`,
    );
  }
  return flags as Flags<S>;
}

/**
 * The text of `--help`: summary, usage, one line per flag with its default.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "jsr:@std/assert@^1";
 * import { formatHelp } from "./flags.ts";
 *
 * const help = formatHelp({
 *   name: "demo",
 *   summary: "A demo.",
 *   flags: { port: { kind: "port", default: 8888, help: "UDP port" } },
 * });
 * assertStringIncludes(help, "--port N");
 * ```
 *
 * @param spec What the script accepts.
 * @returns Lines ready to print.
 */
export function formatHelp(spec: CommandSpec): string {
  const placeholders: Record<FlagKind, string> = {
    string: " TEXT",
    port: " N",
    seconds: " SECONDS",
    probability: " P",
    count: " N",
    boolean: "",
  };
  const rows = Object.entries(spec.flags).map(([key, flag]) => {
    const left = `--${flagName(key)}${placeholders[flag.kind]}`;
    const shown = flag.default === undefined || flag.kind === "boolean"
      ? ""
      : ` (default: ${JSON.stringify(flag.default)})`;
    return [left, flag.help + shown];
  });
  rows.push(["-h, --help", "show this help and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [
    spec.summary,
    "",
    `Usage: ${usageLine(spec)}`,
    "",
    "Options:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ];
  if (spec.notes?.length) lines.push("", ...spec.notes);
  return lines.join("\n");
}

function usageLine(spec: CommandSpec): string {
  const positionals = spec.positionals ? ` ${spec.positionals}` : "";
  const run = spec.run ?? `deno run -N scripts/${spec.name}.ts`;
  return `${run} [options]${positionals}`;
}

/**
 * Runs a script's main body with its flags parsed, as every script does.
 *
 * - `--help` prints the help and exits 0.
 * - A {@linkcode UsageError}, from parsing or thrown by `main`, prints one
 *   line (the error and the usage) on stderr and exits 2.
 * - A {@linkcode CliError} prints its one line on stderr and exits with its code.
 * - Otherwise, pending output is flushed and the process exits 0.
 *
 * Colours are turned on only when stdout is a terminal and `NO_COLOR` is unset.
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "../lib/flags.ts";
 *
 * await runCommand(spec, async (flags) => {
 *   console.log(`port ${flags.port}`);
 * });
 * ```
 *
 * @param spec What the script accepts.
 * @param main The program, given its flags.
 * @param args The arguments, `Deno.args` by default.
 * @returns Never: the process exits.
 */
export async function runCommand<const S extends CommandSpec>(
  spec: S,
  main: (flags: Flags<S>) => Promise<void> | void,
  args: readonly string[] = Deno.args,
): Promise<never> {
  setColorEnabled(Deno.stdout.isTerminal() && !Deno.noColor);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(formatHelp(spec));
    Deno.exit(0);
  }
  let flags: Flags<S>;
  try {
    flags = parseFlags(args, spec);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(
      `${spec.name}: ${error.message}. Usage: ${
        usageLine(spec)
      } (--help for more)`,
    );
    Deno.exit(2);
  }
  if (flags.help) {
    console.log(formatHelp(spec));
    Deno.exit(0);
  }
  try {
    await main(flags);
  } catch (error) {
    flushOutput();
    if (error instanceof UsageError) {
      console.error(
        `${spec.name}: ${error.message}. Usage: ${
          usageLine(spec)
        } (--help for more)`,
      );
      Deno.exit(2);
    }
    if (!(error instanceof CliError)) throw error;
    console.error(`${spec.name}: ${error.message}`);
    Deno.exit(error.exitCode);
  }
  flushOutput();
  Deno.exit(0);
}
