/**
 * The conversations of the minimal programs, for the tests that run them in
 * several ways (on their default ports, copied alone, paired with the full
 * scripts): which server, which client, and what the client prints.
 *
 * @module
 */
import { assertEquals, assertLess, assertMatch } from "jsr:@std/assert@^1";
import type { ScriptResult } from "../_helpers.ts";

/** A server and a client of one lesson, talking once. */
export interface Conversation {
  /** The server's file name without `.ts`, such as `echo_server`. */
  server: string;
  /** Its original's port, the default of server and client alike. */
  port: number;
  /** The client's file name without `.ts`. */
  client: string;
  /** What the client reads on stdin, if it reads it. */
  stdin?: string;
  /** What the client prints, run with its defaults: minimal and full alike. */
  printed: RegExp;
  /** For a listener that never answers: the line it prints on hearing it. */
  heard?: RegExp;
  /** Any further check of what the client printed. */
  check?: (stdout: string) => void;
}

/** A date as Python's time.ctime() prints it: `Sun Mar 20 09:29:09 2016`. */
export const CTIME =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\n$/;

/** Every lesson's conversation, with each client's default message. */
export const CONVERSATIONS: Conversation[] = [
  {
    server: "echo_server",
    port: 8888,
    client: "echo_client",
    stdin: "hello\n",
    printed: /^Server reply : OK\.\.\.hello\n$/,
  },
  {
    server: "hello_server",
    port: 9999,
    client: "hello_client",
    printed: /^Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n$/,
  },
  {
    server: "time_server",
    port: 12345,
    client: "time_client",
    printed: CTIME,
    // The time it prints is now (run with TZ=UTC).
    check: (stdout) => {
      const printed = Date.parse(`${stdout.slice(4).trim()} UTC`);
      assertLess(Math.abs(printed - Date.now()), 60_000, stdout);
    },
  },
  {
    server: "size_server",
    port: 6666,
    client: "size_client",
    printed:
      /^Sent to server: hello world!\nThe Server reply: Your data was 12 bytes\n$/,
  },
  {
    server: "size_server",
    port: 6666,
    client: "improved_client",
    printed: /^Attempt 1: sent.*\nThe Server reply: Your data was 12 bytes\n$/,
  },
  {
    server: "broadcast_listener",
    port: 6666,
    client: "broadcast_sender",
    printed: /^Sent "Broadcast message" to 127\.255\.255\.255:\d+/,
    heard: /^The client at 127\.0\.0\.1:\d+ says: Broadcast message$/,
  },
  {
    server: "multicast_listener",
    port: 5007,
    client: "multicast_sender",
    printed: /Sent "Multicast message" to 239\.255\.0\.1:\d+/,
    heard: /^The sender at 127\.0\.0\.1:\d+ says: Multicast message$/,
  },
];

/** A running server, however it was started. */
export interface Listening {
  /** The port it listens on. */
  port: number;
  /** Waits for a line of its output matching `pattern`, and returns it. */
  waitForLine(pattern: RegExp): Promise<string>;
}

/**
 * Runs the client of `talk` against `server` with `run` and checks what it
 * printed, and for a listener what the listener heard.
 */
export async function converse(
  talk: Conversation,
  server: Listening,
  run: (port: number, stdin?: string) => Promise<ScriptResult>,
): Promise<void> {
  const result = await run(server.port, talk.stdin);
  assertEquals(result.code, 0, `${talk.client}: ${result.stderr}`);
  assertMatch(result.stdout, talk.printed, `${talk.client}'s output`);
  talk.check?.(result.stdout);
  if (talk.heard) {
    assertMatch(await server.waitForLine(talk.heard), talk.heard);
  }
}
