#!/usr/bin/env -S deno run -N --unstable-net
/**
 * UDP echo client: sends each line you type (or pipe in) to the echo server
 * and prints the reply.
 *
 * Ports the interactive client of "Programming udp sockets in python"
 * (binarytides). Unlike the original it stops cleanly at the end of input,
 * and gives up on a reply after `--timeout` seconds instead of waiting for
 * ever.
 *
 * Run:   deno run -N scripts/echo_client.ts [--host 127.0.0.1] [--port 8888]
 * Talks to: scripts/echo_server.ts
 *
 * @module
 */
import { runCommand } from "../lib/flags.ts";
import { noReply, openClient } from "../lib/request.ts";
import { readLines } from "../lib/stdin.ts";
import { safeText } from "../lib/text.ts";

const COMMAND = {
  name: "echo_client",
  summary:
    "UDP echo client: sends each line of input to the echo server and prints the reply.",
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "the server's address or name",
    },
    port: { kind: "port", default: 8888, help: "the server's UDP port" },
    timeout: {
      kind: "seconds",
      default: 5,
      help: "how long to wait for each reply",
    },
  },
  notes: ["Start the server first: deno run -N scripts/echo_server.ts"],
} as const;

const PROMPT = new TextEncoder().encode("Enter message to send : ");

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region session
    using client = await openClient(flags.host, flags.port);
    const interactive = Deno.stdin.isTerminal();
    if (interactive) await Deno.stdout.write(PROMPT);
    for await (const line of readLines(Deno.stdin.readable)) {
      await client.send(line);
      const reply = await client.receive(flags.timeout * 1000);
      if (!reply) throw noReply(client.target, flags.timeout, "echo_server");
      console.log(`Server reply : ${safeText(reply.data)}`);
      if (interactive) await Deno.stdout.write(PROMPT);
    }
    if (interactive) console.log(); // end the prompt line after Ctrl-D
    // #endregion session
  });
}
