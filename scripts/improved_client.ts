#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Improved size client: retries with exponential backoff, and accepts a
 * reply only from the server it asked.
 *
 * Ports the improved client of a 2015 blog post on Python UDP sockets. It
 * sends, waits 0.1 s, and on silence sends again with the wait doubled
 * (0.2, 0.4, 0.8, 1.6 s); once the next wait would pass 2 s it gives up with
 * exit code 1. Where the original used `connect()` to filter replies, this
 * checks each reply's source address and port, and says what it ignored.
 *
 * Run:   deno run -N scripts/improved_client.ts [--host 127.0.0.1] [--port 6666]
 * Talks to: scripts/size_server.ts (try it with --drop 0.5)
 *
 * @module
 */
import { CliError, runCommand } from "../lib/flags.ts";
import { openClient, requestWithBackoff } from "../lib/request.ts";
import { safeText } from "../lib/text.ts";
import { formatAddress } from "../lib/udp.ts";

const COMMAND = {
  name: "improved_client",
  summary:
    "UDP client with timeouts and exponential backoff, accepting replies only from its server.",
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "the server's address or name",
    },
    port: { kind: "port", default: 6666, help: "the server's UDP port" },
    message: {
      kind: "string",
      default: "hello world!",
      help: "the text to send",
    },
    initialDelay: {
      kind: "seconds",
      default: 0.1,
      help: "the first wait for a reply",
    },
    maxDelay: {
      kind: "seconds",
      default: 2,
      help: "give up once the doubled wait would pass this",
    },
    jitter: {
      kind: "boolean",
      help: "wait a random time up to each delay (full jitter)",
    },
  },
  notes: [
    "Try it against a lossy server: deno run -N scripts/size_server.ts --drop 0.5",
  ],
} as const;

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region request
    using client = await openClient(flags.host, flags.port);
    const server = formatAddress(client.target);
    let attempts = 0;
    let waitedMs = 0;
    const reply = await requestWithBackoff(
      client,
      new TextEncoder().encode(flags.message),
      {
        initialDelayMs: flags.initialDelay * 1000,
        maxDelayMs: flags.maxDelay * 1000,
        jitter: flags.jitter,
        onAttempt(attempt, waitMs) {
          attempts = attempt;
          waitedMs += waitMs;
          const wait = (waitMs / 1000).toFixed(2);
          console.log(
            `Attempt ${attempt}: sent to ${server}, waiting ${wait} s`,
          );
        },
        onIgnored({ data, addr }) {
          console.error(
            `ignored ${data.length} bytes from ${
              formatAddress(addr)
            }: not the server`,
          );
        },
      },
    );
    if (!reply) {
      throw new CliError(
        `no reply from ${server} after ${attempts} attempts over ${
          (waitedMs / 1000).toFixed(1)
        } s; the server seems to be down`,
      );
    }
    console.log(`The Server reply: ${safeText(reply.data)}`);
    // #endregion request
  });
}
