#!/usr/bin/env -S deno run -N --unstable-net
/**
 * RFC 868 time server: answers any datagram with the time as 4 bytes,
 * big-endian seconds since 1900-01-01T00:00:00Z.
 *
 * Ports the "yesterday time" server of a Jupyter notebook on UDP servers.
 * The original always answered with the time one day ago; here that is
 * `--yesterday`, and the default is the real time, as RFC 868 intends.
 *
 * Run:   deno run -N scripts/time_server.ts [--host 127.0.0.1] [--port 12345]
 * Talk:  deno run -N scripts/time_client.ts   (or: rdate -p -u -o 12345 127.0.0.1)
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import { runCommand } from "../lib/flags.ts";
import { printLine } from "../lib/output.ts";
import { encodeTime } from "../lib/time.ts";
import {
  closeOnSignal,
  formatAddress,
  listen,
  receiveEach,
  reply,
} from "../lib/udp.ts";

const COMMAND = {
  name: "time_server",
  summary:
    "RFC 868 time server: answers any datagram with the time in 4 bytes.",
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "address to listen on (0.0.0.0 or :: exposes it)",
    },
    port: {
      kind: "port",
      default: 12345,
      help: "UDP port, 0 for any free one",
    },
    yesterday: {
      kind: "boolean",
      help: "answer with the time one day ago, as the original did",
    },
  },
  notes: [
    "Ask it: deno run -N scripts/time_client.ts, or rdate -p -u -o 12345 127.0.0.1",
  ],
} as const;

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region loop
    const conn = listen(flags.host, flags.port);
    closeOnSignal(conn);
    printLine(green(`time server listening on ${formatAddress(conn.addr)}`));
    const offset = flags.yesterday ? ONE_DAY_MS : 0;
    for await (const [data, addr] of receiveEach(conn)) {
      printLine(`Time requested by ${formatAddress(addr)}`);
      await reply(conn, encodeTime(new Date(Date.now() - offset)), addr, data);
    }
    // #endregion loop
  });
}
