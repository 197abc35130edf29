#!/usr/bin/env -S deno run --allow-run --allow-read=. --allow-write=docs/transcripts
/**
 * Reruns the terminal sessions shown on the tutorial site and rewrites
 * `docs/transcripts/*.txt` with what the scripts really printed.
 *
 * Each session starts its server on a free port (`--port 0`), runs the
 * clients against it, stops the server, and records both terminals. Ports
 * and dates change from run to run, so they are replaced by placeholders
 * (`PORT`, `DDD MMM dd HH:MM:SS YYYY`); everything else is verbatim.
 * `tests/site/transcripts_test.ts` reruns the sessions and fails when a
 * committed transcript no longer matches.
 *
 * Run:   deno task transcripts
 *
 * @module
 */
import {
  ROOT,
  runScript,
  type ScriptResult,
  sleep,
  startScript,
} from "../tests/_helpers.ts";

/** Where the site's pages import transcripts from. */
export const TRANSCRIPTS_DIR = `${ROOT}docs/transcripts/`;

/** One client run: a script, its arguments, and what is piped into it. */
export interface ClientRun {
  /** The script's name without `.ts`. */
  script: string;
  /** Arguments; the string `PORT` is replaced by the server's real port. */
  args: string[];
  /** Text piped to the script's stdin, shown as `printf '…' |`. */
  stdin?: string;
}

/** One terminal session, as shown on a page. */
export interface Session {
  /** The file name under `docs/transcripts/`. */
  file: string;
  /** The server, started first on a free port; absent for a lone command. */
  server?: { script: string; args: string[] };
  /** Lines the server must have logged before it is stopped. */
  serverLogs?: { pattern: RegExp; count: number };
  /** The clients, run one after the other. */
  clients: ClientRun[];
  /** Keep printed dates: they come from fixed bytes, not from the clock. */
  keepDates?: boolean;
}

/** Every session the site shows. */
export const SESSIONS: readonly Session[] = [
  {
    file: "echo.txt",
    server: { script: "echo_server", args: [] },
    clients: [{
      script: "echo_client",
      args: ["--port", "PORT"],
      stdin: "hello\nthe same bytes come back\n",
    }],
  },
  {
    file: "echo-plain.txt",
    server: { script: "echo_server", args: ["--prefix", ""] },
    clients: [{
      script: "echo_client",
      args: ["--port", "PORT", "--prefix", ""],
      stdin: "no prefix this time\n",
    }],
  },
  {
    file: "echo-unsafe.txt",
    server: { script: "echo_server", args: [] },
    clients: [{
      script: "echo_client",
      args: ["--port", "PORT"],
      stdin: "clear\x1b[2Jscreen\tand a bell\x07\n",
    }],
  },
  {
    file: "hello.txt",
    server: { script: "hello_server", args: [] },
    clients: [
      { script: "hello_client", args: ["--port", "PORT"] },
      { script: "hello_client", args: ["--port", "PORT", "Ada", "Grace"] },
    ],
  },
  {
    file: "time.txt",
    server: { script: "time_server", args: [] },
    clients: [
      { script: "time_client", args: ["--port", "PORT"] },
      { script: "time_client", args: ["--port", "PORT", "--iso"] },
    ],
  },
  {
    file: "time-wrong-server.txt",
    server: { script: "echo_server", args: ["--prefix", ""] },
    keepDates: true,
    clients: [
      { script: "time_client", args: ["--port", "PORT", "--message", "hi"] },
      {
        script: "time_client",
        args: ["--port", "PORT", "--message", "1999", "--utc"],
      },
    ],
  },
  {
    file: "size.txt",
    server: { script: "size_server", args: [] },
    clients: [
      { script: "size_client", args: ["--port", "PORT"] },
      {
        script: "size_client",
        args: ["--port", "PORT", "--message", "déjà vu"],
      },
      { script: "improved_client", args: ["--port", "PORT"] },
    ],
  },
  {
    file: "size-silent.txt",
    server: { script: "size_server", args: ["--drop", "1"] },
    clients: [
      { script: "size_client", args: ["--port", "PORT", "--timeout", "1"] },
      { script: "improved_client", args: ["--port", "PORT"] },
    ],
  },
  {
    file: "broadcast.txt",
    server: { script: "broadcast_listener", args: [] },
    serverLogs: { pattern: / says: /, count: 2 },
    clients: [{
      script: "broadcast_sender",
      args: [
        "--to",
        "127.255.255.255",
        "--port",
        "PORT",
        "--count",
        "2",
        "--interval",
        "0.2",
      ],
    }],
  },
  {
    file: "multicast.txt",
    server: { script: "multicast_listener", args: [] },
    serverLogs: { pattern: / says: /, count: 2 },
    clients: [{
      script: "multicast_sender",
      args: ["--port", "PORT", "--count", "2", "--interval", "0.2"],
    }],
  },
  {
    file: "help.txt",
    clients: [
      { script: "echo_server", args: ["--help"] },
      { script: "echo_server", args: ["--port", "70000"] },
    ],
  },
];

/** Quotes an argument the way a reader would type it in a POSIX shell. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg)
    ? arg
    : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Shows piped text as a `printf` argument, with escapes for what is unprintable. */
function printfArgument(text: string): string {
  const escaped = [...text].map((c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\\") return "\\\\";
    if (c === "%") return "%%";
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      return `\\${code.toString(8).padStart(3, "0")}`;
    }
    return c;
  }).join("");
  return shellQuote(escaped);
}

function commandLine(script: string, args: string[], stdin?: string): string {
  const run = ["deno", "run", "-N", `scripts/${script}.ts`, ...args]
    .map((arg) => arg === "PORT" ? arg : shellQuote(arg))
    .join(" ");
  return stdin === undefined
    ? `$ ${run}`
    : `$ printf ${printfArgument(stdin)} | ${run}`;
}

/**
 * The lines a script printed, stdout then stderr, and `$ echo $?` with the
 * exit code when it is not 0, as a terminal shows them.
 *
 * @param result What the script printed, and how it ended.
 * @returns The lines, without line breaks.
 */
export function printed(result: ScriptResult): string[] {
  const lines = [result.stdout, result.stderr]
    .filter((text) => text !== "")
    .flatMap((text) => text.replace(/\n$/, "").split("\n"));
  if (result.code !== 0) lines.push("$ echo $?", String(result.code));
  return lines;
}

const DATE_CTIME =
  /\b(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}\b/g;
const DATE_ISO = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b/g;
const ADDRESS_PORT = /(\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d+\b/g;

/**
 * Replaces what changes from run to run: ports after an address, and dates
 * printed by the time client.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { normalise } from "./transcripts.ts";
 *
 * assertEquals(normalise("from 127.0.0.1:50123"), "from 127.0.0.1:PORT");
 * ```
 *
 * @param text What a script printed.
 * @param keepDates Leave dates as they are.
 * @returns The same text with placeholders.
 */
export function normalise(text: string, keepDates = false): string {
  const ports = text.replace(ADDRESS_PORT, "$1:PORT");
  if (keepDates) return ports;
  return ports
    .replace(DATE_CTIME, "DDD MMM dd HH:MM:SS YYYY")
    .replace(DATE_ISO, "YYYY-MM-DDTHH:MM:SS.sssZ");
}

async function waitForLogs(
  stdout: () => string,
  logs: { pattern: RegExp; count: number },
): Promise<void> {
  const deadline = Date.now() + 5_000;
  const count = () =>
    stdout().split("\n").filter((l) => logs.pattern.test(l)).length;
  while (count() < logs.count) {
    if (Date.now() > deadline) {
      throw new Error(
        `the server logged ${count()} of ${logs.count} lines matching ${logs.pattern}`,
      );
    }
    await sleep(20);
  }
}

async function runClients(
  clients: ClientRun[],
  port: number | undefined,
): Promise<string[]> {
  const lines: string[] = [];
  for (const client of clients) {
    const args = client.args.map((arg) => arg === "PORT" ? String(port) : arg);
    const stdin = client.stdin === undefined
      ? undefined
      : new TextEncoder().encode(client.stdin);
    const result = await runScript(client.script, args, { stdin });
    lines.push(commandLine(client.script, client.args, client.stdin));
    lines.push(...printed(result));
  }
  return lines;
}

/**
 * Runs one session and returns its transcript.
 *
 * @param session What to run.
 * @returns The text of the transcript file, normalised.
 */
export async function runSession(session: Session): Promise<string> {
  let lines: string[];
  if (session.server === undefined) {
    lines = await runClients(session.clients, undefined);
  } else {
    const { script, args } = session.server;
    await using server = await startScript(script, ["--port", "0", ...args]);
    const clientLines = await runClients(session.clients, server.address.port);
    if (session.serverLogs) {
      await waitForLogs(server.stdout, session.serverLogs);
    }
    const stopped = await server.stop();
    lines = [
      "# Terminal 1: the server",
      commandLine(script, ["--port", "0", ...args]),
      ...printed(stopped),
      "",
      `# Terminal 2: the client${session.clients.length > 1 ? "s" : ""}`,
      ...clientLines,
    ];
  }
  return normalise(lines.join("\n") + "\n", session.keepDates);
}

/**
 * Runs every session, one after the other (so timing-sensitive output such
 * as the improved client's first wait is not disturbed by the others).
 *
 * @returns Transcript text by file name.
 */
export async function renderTranscripts(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const session of SESSIONS) {
    out.set(session.file, await runSession(session));
  }
  return out;
}

if (import.meta.main) {
  const transcripts = await renderTranscripts();
  await Deno.mkdir(TRANSCRIPTS_DIR, { recursive: true });
  for await (const entry of Deno.readDir(TRANSCRIPTS_DIR)) {
    if (entry.name.endsWith(".txt") && !transcripts.has(entry.name)) {
      await Deno.remove(`${TRANSCRIPTS_DIR}${entry.name}`);
      console.log(`removed docs/transcripts/${entry.name}`);
    }
  }
  for (const [file, text] of transcripts) {
    await Deno.writeTextFile(`${TRANSCRIPTS_DIR}${file}`, text);
    console.log(`wrote docs/transcripts/${file}`);
  }
}
