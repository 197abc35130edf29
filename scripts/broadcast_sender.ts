#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Broadcast sender: sends a datagram to a broadcast address, for every
 * listener on that network to hear.
 *
 * Ports the broadcast client of a 2015 blog post on Python UDP sockets.
 * Python needs `SO_BROADCAST` for this; Deno's UDP sockets allow broadcast
 * as they are. By default it sends to 127.255.255.255, which never leaves
 * this machine; a network needs an explicit `--to`, such as 192.168.1.255.
 *
 * Run:   deno run -N --unstable-net scripts/broadcast_sender.ts [--to 127.255.255.255] [--port 6666] [--count 3]
 * Heard by: scripts/broadcast_listener.ts
 *
 * @module
 */
import {
  fail,
  parseCommand,
  parseNumber,
  parsePort,
  usage,
} from "../lib/cli.ts";
import { bindError, formatAddress, resolveServer } from "../lib/net.ts";
import { quoted, safeString } from "../lib/text.ts";

// #region flags
const flags = parseCommand({
  name: "broadcast_sender",
  summary: "UDP broadcast sender: sends a message to a broadcast address.",
  string: ["to", "host", "port", "message", "count", "interval"],
  boolean: ["unicast"],
  default: {
    to: "127.255.255.255",
    host: "0.0.0.0",
    port: "6666",
    message: "Broadcast message",
    count: "1",
    interval: "1",
  },
  help: {
    "--to ADDRESS": "an IPv4 broadcast address: one that ends in .255",
    "--unicast": "also allow a --to that does not end in .255",
    "--host TEXT": "local IPv4 address to send from",
    "--port N": "the listeners' UDP port",
    "--message TEXT": "the text to send, at most 65,507 bytes",
    "--count N": "how many times to send it",
    "--interval SECONDS": "seconds between sends",
  },
  notes: [
    "127.255.255.255, the default, stays on this machine; a network's own",
    "broadcast address, such as 192.168.1.255, reaches that network.",
    "--unicast sends to one host, or to a network smaller than a /24 whose",
    "broadcast address does not end in .255.",
    "",
    "Listen first: deno run -N scripts/broadcast_listener.ts",
  ],
});
const port = parsePort(flags.port, "port", 1);
const count = parseNumber(flags.count, "count", {
  min: 1,
  max: 1_000_000,
  whole: true,
});
const intervalMs =
  parseNumber(flags.interval, "interval", { above: 0, max: 86_400 }) * 1000;
// One datagram holds the whole message: 65,507 bytes at most over IPv4.
const payload = new TextEncoder().encode(flags.message);
if (payload.length > 65_507) {
  const size = payload.length.toLocaleString("en-US");
  usage(`--message is ${size} bytes; one datagram holds 65,507 at most`);
}
if (flags.host === "") usage("--host must not be empty");
if (flags.host.includes(":")) {
  usage(
    `--host must be an IPv4 address (IPv6 has no broadcast), not ${
      quoted(flags.host)
    }`,
  );
}
if (flags.to === "") usage("--to must not be empty");
// #endregion flags

// #region target
// Resolve --to once, here, so a wrong name is one clear line before anything
// is sent. IPv6 has no broadcast (it has multicast instead): the target must
// be an IPv4 address.
const to = await resolveServer(flags.to, port).catch((error) =>
  fail(error.message)
);
const named = to.hostname === flags.to
  ? to.hostname
  : `${safeString(flags.to)} (${to.hostname})`;
if (to.hostname.includes(":")) {
  usage(`--to must be an IPv4 address (IPv6 has no broadcast), not ${named}`);
}
// A broadcast reaches every machine on a network, so the target must look
// like one: any address ending in .255 (the /24 case, 127.255.255.255 and
// 255.255.255.255 among them). Anything else needs --unicast.
if (!flags.unicast && !to.hostname.endsWith(".255")) {
  usage(
    `--to ${named} is not a broadcast address (those end in .255); ` +
      "add --unicast to send to it anyway",
  );
}
// #endregion target

// #region socket
// The sender is a client: port 0 lets the system pick a free one. A
// broadcast leaves from an IPv4 socket, and 0.0.0.0 lets the routing table
// choose the interface it goes out of. There is no SO_BROADCAST step: a Deno
// UDP socket may send to a broadcast address as it is.
let conn: Deno.DatagramConn;
try {
  conn = Deno.listenDatagram({
    transport: "udp",
    hostname: flags.host,
    port: 0,
  });
} catch (error) {
  fail(bindError(error, flags.host, 0));
}
// #endregion socket

// #region send
// Nobody acknowledges a broadcast: send --count copies, --interval apart, so
// the message still arrives if one copy is lost. A send the system refuses
// (no route to that network, say) is one line and exit code 1.
for (let i = 1; i <= count; i++) {
  try {
    await conn.send(payload, to);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail(`cannot send to ${formatAddress(to)}: ${safeString(reason)}`);
  }
  console.log(
    `Sent ${quoted(flags.message)} to ${formatAddress(to)} (${i}/${count})`,
  );
  if (i < count) await new Promise((done) => setTimeout(done, intervalMs));
}
conn.close();
// #endregion send
