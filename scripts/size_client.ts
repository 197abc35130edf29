#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Simple size client: sends one message and prints the server's reply.
 *
 * Ports the simple client of a 2015 blog post on Python UDP sockets. The
 * original waits for ever if the reply is lost; this one gives up after
 * `--timeout` seconds. See improved_client.ts for retries.
 *
 * Run:   deno run -N scripts/size_client.ts [--host 127.0.0.1] [--port 6666] [--message TEXT]
 * Talks to: scripts/size_server.ts
 *
 * @module
 */
import { runCommand } from "../lib/flags.ts";
import { noReply, openClient } from "../lib/request.ts";
import { safeText } from "../lib/text.ts";

const COMMAND = {
  name: "size_client",
  summary: "UDP size client: sends one message and prints the server's reply.",
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
    timeout: {
      kind: "seconds",
      default: 5,
      help: "how long to wait for the reply",
    },
  },
  notes: ["Start the server first: deno run -N scripts/size_server.ts"],
} as const;

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region send
    using client = await openClient(flags.host, flags.port);
    console.log(`Sent to server: ${flags.message}`);
    await client.send(new TextEncoder().encode(flags.message));
    const reply = await client.receive(flags.timeout * 1000);
    if (!reply) throw noReply(client.target, flags.timeout, "size_server");
    console.log(`The Server reply: ${safeText(reply.data)}`);
    // #endregion send
  });
}
