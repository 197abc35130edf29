#!/usr/bin/env -S deno run -N --unstable-net
/**
 * RFC 868 time client: asks a time server for the time and prints it.
 *
 * Ports the client of a Jupyter notebook on UDP servers. It sends one empty
 * datagram (as RFC 868 asks; `--message` sends text instead), insists on a
 * 4-byte reply, and prints the date as Python's `time.ctime()` does. Unlike
 * the original it gives up after `--timeout` seconds, and reads dates after
 * the 2036 wrap of the 32-bit count correctly.
 *
 * Run:   deno run -N scripts/time_client.ts [--host 127.0.0.1] [--port 12345] [--utc | --iso]
 * Talks to: scripts/time_server.ts (or any RFC 868 server over UDP)
 *
 * @module
 */
import { CliError, runCommand } from "../lib/flags.ts";
import { noReply, openClient } from "../lib/request.ts";
import { ctime, decodeTime } from "../lib/time.ts";

const COMMAND = {
  name: "time_client",
  summary:
    "RFC 868 time client: asks a time server for the time and prints it.",
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "the server's address or name",
    },
    port: { kind: "port", default: 12345, help: "the server's UDP port" },
    timeout: {
      kind: "seconds",
      default: 5,
      help: "how long to wait for the reply",
    },
    message: {
      kind: "string",
      default: "",
      help: "text to send (RFC 868 asks for an empty datagram)",
    },
    utc: {
      kind: "boolean",
      help: "print the date in UTC rather than local time",
    },
    iso: { kind: "boolean", help: "print the date as ISO 8601 (UTC)" },
  },
  notes: ["Start the server first: deno run -N scripts/time_server.ts"],
} as const;

// #region hexdump
/** Shows bytes as hex pairs, for a reply that is not a time. */
export function hexDump(bytes: Uint8Array, max = 64): string {
  const shown = [...bytes.subarray(0, max)]
    .map((b) => b.toString(16).padStart(2, "0"));
  return shown.join(" ") + (bytes.length > max ? " …" : "");
}
// #endregion hexdump

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region ask
    using client = await openClient(flags.host, flags.port);
    await client.send(new TextEncoder().encode(flags.message));
    const reply = await client.receive(flags.timeout * 1000);
    if (!reply) throw noReply(client.target, flags.timeout, "time_server");
    if (reply.data.length !== 4) {
      throw new CliError(
        `expected a 4-byte time but got ${reply.data.length} bytes: ${
          hexDump(reply.data)
        }`,
      );
    }
    const date = decodeTime(reply.data);
    if (flags.iso) console.log(date.toISOString());
    else console.log(ctime(date, { utc: flags.utc }));
    // #endregion ask
  });
}
