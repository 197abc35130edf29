#!/usr/bin/env -S deno run -N --unstable-net
/**
 * "Hello, name" client: sends each name as one datagram and prints each
 * reply on its own line.
 *
 * Ports the UDP client of the "UDP编程" chapter of Liao Xuefeng's Python
 * tutorial, with the same three names by default. Unlike the original, it
 * gives up on a reply after `--timeout` seconds.
 *
 * Run:   deno run -N scripts/hello_client.ts [--host 127.0.0.1] [--port 9999] [NAME...]
 * Talks to: scripts/hello_server.ts
 *
 * @module
 */
import { runCommand } from "../lib/flags.ts";
import { noReply, openClient } from "../lib/request.ts";
import { safeText } from "../lib/text.ts";

const COMMAND = {
  name: "hello_client",
  summary:
    "UDP hello client: sends each name to the hello server and prints the replies.",
  positionals: "[NAME...]",
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "the server's address or name",
    },
    port: { kind: "port", default: 9999, help: "the server's UDP port" },
    timeout: {
      kind: "seconds",
      default: 5,
      help: "how long to wait for each reply",
    },
  },
  notes: ["With no NAME, sends Michael, Tracy and Sarah."],
} as const;

const DEFAULT_NAMES = ["Michael", "Tracy", "Sarah"];

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region names
    const names = flags._.length > 0 ? flags._ : DEFAULT_NAMES;
    using client = await openClient(flags.host, flags.port);
    for (const name of names) {
      await client.send(new TextEncoder().encode(name));
      const reply = await client.receive(flags.timeout * 1000);
      if (!reply) throw noReply(client.target, flags.timeout, "hello_server");
      console.log(safeText(reply.data));
    }
    // #endregion names
  });
}
