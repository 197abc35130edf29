#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Broadcast sender: sends a datagram to a broadcast address, for every
 * listener on that network to hear.
 *
 * Ports the broadcast client of a 2015 blog post on Python UDP sockets.
 * Python needs `SO_BROADCAST` for this; Deno's UDP sockets allow broadcast
 * as they are. `--to 127.255.255.255` keeps the broadcast on this machine.
 *
 * Run:   deno run -N scripts/broadcast_sender.ts --to 127.255.255.255 [--port 6666] [--count 3]
 * Heard by: scripts/broadcast_listener.ts
 *
 * @module
 */
import { runCommand } from "../lib/flags.ts";
import { formatAddress, listen } from "../lib/udp.ts";

const COMMAND = {
  name: "broadcast_sender",
  summary: "UDP broadcast sender: sends a message to a broadcast address.",
  flags: {
    to: {
      kind: "string",
      default: "255.255.255.255",
      help: "broadcast address (127.255.255.255 stays on this machine)",
    },
    host: {
      kind: "string",
      default: "0.0.0.0",
      help: "local address to send from",
    },
    port: { kind: "port", default: 6666, help: "the listeners' UDP port" },
    message: {
      kind: "string",
      default: "Broadcast message",
      help: "the text to send",
    },
    count: { kind: "count", default: 1, help: "how many times to send it" },
    interval: { kind: "seconds", default: 1, help: "seconds between sends" },
  },
  notes: ["Listen first: deno run -N scripts/broadcast_listener.ts"],
} as const;

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    // #region send
    const conn = listen(flags.host, 0);
    const to: Deno.NetAddr = {
      transport: "udp",
      hostname: flags.to,
      port: flags.port,
    };
    const payload = new TextEncoder().encode(flags.message);
    try {
      for (let i = 1; i <= flags.count; i++) {
        await conn.send(payload, to);
        console.log(
          `Sent ${JSON.stringify(flags.message)} to ${
            formatAddress(to)
          } (${i}/${flags.count})`,
        );
        if (i < flags.count) {
          await new Promise((resolve) =>
            setTimeout(resolve, flags.interval * 1000)
          );
        }
      }
    } finally {
      conn.close();
    }
    // #endregion send
  });
}
