#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Broadcast listener: prints every datagram that reaches its port, broadcasts
 * included. It never answers.
 *
 * Ports the broadcast server of a 2015 blog post on Python UDP sockets. It
 * binds 0.0.0.0 by default, because a socket bound to one address does not
 * hear broadcasts.
 *
 * Run:   deno run -N scripts/broadcast_listener.ts [--host 0.0.0.0] [--port 6666]
 * Hears: scripts/broadcast_sender.ts
 *
 * @module
 */
import { cyan, green } from "jsr:@std/fmt@^1/colors";
import { runCommand } from "../lib/flags.ts";
import { printLine } from "../lib/output.ts";
import { safeText } from "../lib/text.ts";
import {
  closeOnSignal,
  formatAddress,
  listen,
  receiveEach,
} from "../lib/udp.ts";

const COMMAND = {
  name: "broadcast_listener",
  summary:
    "UDP broadcast listener: prints every datagram it hears, and never answers.",
  flags: {
    host: {
      kind: "string",
      default: "0.0.0.0",
      help: "address to listen on (0.0.0.0 hears broadcasts)",
    },
    port: { kind: "port", default: 6666, help: "UDP port, 0 for any free one" },
  },
  notes: [
    "Send to it: deno run -N scripts/broadcast_sender.ts --to 127.255.255.255",
  ],
} as const;

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region loop
    const conn = listen(flags.host, flags.port);
    closeOnSignal(conn);
    printLine(
      green(`broadcast listener listening on ${formatAddress(conn.addr)}`),
    );
    for await (const [data, addr] of receiveEach(conn)) {
      const text = safeText(data, { trimEnd: true });
      printLine(`The client at ${cyan(formatAddress(addr))} says: ${text}`);
    }
    // #endregion loop
  });
}
