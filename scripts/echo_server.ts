#!/usr/bin/env -S deno run -N --unstable-net
/**
 * UDP echo server: answers every datagram with `OK...` and the same bytes.
 *
 * Ports the echo server of "Programming udp sockets in python" (binarytides),
 * and with `--prefix ""` the plain echo server of a Jupyter notebook on UDP
 * servers (RFC 862 echo: the payload back, unchanged).
 *
 * Run:   deno run -N scripts/echo_server.ts [--host 127.0.0.1] [--port 8888]
 * Talk:  deno run -N scripts/echo_client.ts   (or: nc -u 127.0.0.1 8888)
 *
 * @module
 */
import { cyan, green } from "jsr:@std/fmt@^1/colors";
import { runCommand, UsageError } from "../lib/flags.ts";
import { printLine } from "../lib/output.ts";
import { safeText } from "../lib/text.ts";
import {
  closeOnSignal,
  formatAddress,
  listen,
  MAX_REPLY_GROWTH,
  receiveEach,
  reply,
} from "../lib/udp.ts";

const COMMAND = {
  name: "echo_server",
  summary:
    'UDP echo server: answers every datagram with "OK..." and the same bytes.',
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "address to listen on (0.0.0.0 or :: exposes it)",
    },
    port: { kind: "port", default: 8888, help: "UDP port, 0 for any free one" },
    prefix: {
      kind: "string",
      default: "OK...",
      help: 'text put before each reply, at most 32 bytes; "" for plain echo',
    },
  },
  notes: [
    "Talk to it: deno run -N scripts/echo_client.ts, or nc -u 127.0.0.1 8888",
  ],
} as const;

// #region reply
/**
 * Builds the reply: the prefix, then the payload byte for byte. The payload
 * is never decoded, so invalid UTF-8 comes back exactly as it was sent.
 */
export function echoReply(prefix: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + payload.length);
  out.set(prefix);
  out.set(payload, prefix.length);
  return out;
}
// #endregion reply

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region listen
    const prefix = new TextEncoder().encode(flags.prefix);
    if (prefix.length > MAX_REPLY_GROWTH) {
      throw new UsageError(`--prefix may be at most ${MAX_REPLY_GROWTH} bytes`);
    }
    const conn = listen(flags.host, flags.port);
    closeOnSignal(conn);
    printLine(green(`echo server listening on ${formatAddress(conn.addr)}`));
    // #endregion listen

    // #region loop
    for await (const [data, addr] of receiveEach(conn)) {
      await reply(conn, echoReply(prefix, data), addr, data);
      const text = safeText(data, { trimEnd: true });
      printLine(`Message[${cyan(formatAddress(addr))}] - ${text}`);
    }
    // #endregion loop
  });
}
