#!/usr/bin/env -S deno run -N --unstable-net
/**
 * "Your data was N bytes" server: answers each datagram with its size.
 *
 * Ports the simple server of a 2015 blog post on Python UDP sockets. With
 * `--drop P` it ignores each request with probability P, to show the
 * improved client's retries at work.
 *
 * Run:   deno run -N scripts/size_server.ts [--host 127.0.0.1] [--port 6666] [--drop 0.5]
 * Talk:  deno run -N scripts/size_client.ts, or scripts/improved_client.ts
 *
 * @module
 */
import { cyan, green, yellow } from "jsr:@std/fmt@^1/colors";
import { runCommand } from "../lib/flags.ts";
import { printLine } from "../lib/output.ts";
import { safeText } from "../lib/text.ts";
import {
  closeOnSignal,
  formatAddress,
  listen,
  receiveEach,
  reply,
} from "../lib/udp.ts";

const COMMAND = {
  name: "size_server",
  summary:
    'UDP size server: answers each datagram with "Your data was N bytes".',
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "address to listen on (0.0.0.0 or :: exposes it)",
    },
    port: { kind: "port", default: 6666, help: "UDP port, 0 for any free one" },
    drop: {
      kind: "probability",
      default: 0,
      help: "ignore each request with this probability (0 to 1)",
    },
  },
  notes: [
    "Talk to it: deno run -N scripts/size_client.ts, or scripts/improved_client.ts",
  ],
} as const;

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region loop
    const conn = listen(flags.host, flags.port);
    closeOnSignal(conn);
    printLine(green(`size server listening on ${formatAddress(conn.addr)}`));
    for await (const [data, addr] of receiveEach(conn)) {
      const from = cyan(formatAddress(addr));
      if (Math.random() < flags.drop) {
        printLine(yellow(`Dropped a request from ${from} (--drop)`));
        continue;
      }
      printLine(
        `The client at ${from} says: ${safeText(data, { trimEnd: true })}`,
      );
      const answer = `Your data was ${data.length} bytes`;
      await reply(conn, new TextEncoder().encode(answer), addr, data);
    }
    // #endregion loop
  });
}
