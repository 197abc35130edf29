#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Improved size client: retries with exponential backoff, and accepts a
 * reply only from the server it asked.
 *
 * Ports the improved client of a 2015 blog post on Python UDP sockets. It
 * sends, waits 0.1 s, and on silence sends again with the wait doubled
 * (0.2, 0.4, 0.8, 1.6 s); once the next wait would pass 2 s it gives up with
 * exit code 1. Where the original used `connect()` to filter replies, this
 * checks each reply's source address and port, and says what it ignored.
 *
 * Run:   deno run -N --unstable-net scripts/improved_client.ts [--port 6666]
 * Talks to: scripts/size_server.ts (try it with --drop 0.5)
 *
 * @module
 */
import {
  fail,
  parseCommand,
  parseNumber,
  parsePort,
  reportIgnored,
  usage,
} from "../lib/cli.ts";
import {
  clientAddressFor,
  formatAddress,
  isFrom,
  resolveServer,
} from "../lib/net.ts";
import { safeText } from "../lib/text.ts";

// #region flags
const flags = parseCommand({
  name: "improved_client",
  summary: "UDP client with timeouts and exponential backoff, " +
    "accepting replies only from its server.",
  string: ["host", "port", "message", "initial-delay", "max-delay"],
  boolean: ["jitter"],
  default: {
    host: "127.0.0.1",
    port: "6666",
    message: "hello world!",
    "initial-delay": "0.1",
    "max-delay": "2",
  },
  help: {
    "--host TEXT": "the server's address or name",
    "--port N": "the server's UDP port",
    "--message TEXT": "the text to send",
    "--initial-delay SECONDS": "the first wait for a reply",
    "--max-delay SECONDS": "give up once the doubled wait would pass this",
    "--jitter": "wait a random time up to each delay (full jitter)",
  },
  notes: [
    "Try it against a lossy server: " +
    "deno run -N scripts/size_server.ts --drop 0.5",
  ],
});
const port = parsePort(flags.port, "port", 1);
const seconds = { above: 0, max: 86_400 };
const initialDelayMs =
  parseNumber(flags["initial-delay"], "initial-delay", seconds) * 1000;
const maxDelayMs = parseNumber(flags["max-delay"], "max-delay", seconds) * 1000;
// A first wait already past the limit would send nothing at all.
if (initialDelayMs > maxDelayMs) {
  usage(
    `--initial-delay (${initialDelayMs / 1000} s) is longer than --max-delay (${
      maxDelayMs / 1000
    } s), so no attempt would be sent`,
  );
}
if (flags.host === "") usage("--host must not be empty");
// The message goes out as its UTF-8 bytes, and must fit in one datagram.
const message = new TextEncoder().encode(flags.message);
if (message.length > 65_507) {
  usage(
    `a message of ${message.length} bytes does not fit in one datagram ` +
      "(65,507 at most)",
  );
}
// #endregion flags

// #region socket
// Resolve the name once: replies are accepted only from this address and port.
// Python's connect() made the system drop the rest; Deno's UDP sockets have no
// connect(), so the loop below checks every sender itself.
const server = await resolveServer(flags.host, port).catch((error) =>
  fail(error.message)
);
const target = formatAddress(server);
// A client socket is the same call as a server's, on port 0: the system picks
// a free port. It must be of the server's family (IPv4 or IPv6).
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: clientAddressFor(server),
  port: 0,
});
// #endregion socket

// #region wait
// Deno has no socket timeout: race receive() against a timer. The receive()
// that loses is not cancelled and still takes the next datagram, so keep it
// and reuse it on the next wait, even across attempts: a reply that comes
// late, after the next attempt went out, is still taken.
let pending: Promise<[Uint8Array, Deno.Addr]> | undefined;
async function receiveBefore(deadline: number) {
  pending ??= conn.receive();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(
      () => resolve(undefined),
      Math.max(0, deadline - Date.now()), // a deadline passed waits for 0 ms
    );
  });
  const received = await Promise.race([pending, timeout]);
  clearTimeout(timer);
  if (received) pending = undefined; // used: the next wait starts a new one
  return received;
}
// #endregion wait

// #region backoff
// Every attempt asks the same question, so any reply giving this size answers.
const expected = `Your data was ${message.length} bytes`;
// Why the answer can come from another address than the one asked.
const why = (from: string) =>
  `a server bound to 0.0.0.0 (or ::) answers from the address the system ` +
  `picks for the route back; aim at ${from} (--host ${from}) or bind the ` +
  `server to ${server.hostname}`;
let delayMs = initialDelayMs;
let attempts = 0;
let waitedMs = 0;
let reply: Uint8Array | undefined;
let elsewhere: string | undefined; // the address the answers came from instead
// Send, wait up to the delay, and on silence double it and send again, for as
// long as the delay stays within --max-delay.
while (!reply && delayMs <= maxDelayMs) {
  attempts++;
  // Full jitter: a random wait up to the delay, so that clients that lost the
  // same server do not all come back in step.
  const waitMs = flags.jitter ? Math.random() * delayMs : delayMs;
  waitedMs += waitMs;
  console.log(
    `Attempt ${attempts}: sent to ${target}, waiting ${
      (waitMs / 1000).toFixed(2)
    } s`,
  );
  await conn.send(message, server);
  // Look at every datagram that comes before the deadline; only the server's
  // answer ends the wait.
  const deadline = Date.now() + waitMs;
  while (!reply) {
    const received = await receiveBefore(deadline);
    if (!received) break; // silence: try again with a longer wait
    const [data, from] = received;
    const answers = new TextDecoder().decode(data) === expected;
    if (isFrom(from, server) && answers) {
      reply = data;
    } else if (isFrom(from, server)) {
      reportIgnored(
        `a reply that does not give this message's size ` +
          `(${message.length} bytes): ${safeText(data)}`,
      );
    } else if (
      answers && from.transport === "udp" && from.port === server.port
    ) {
      // The answer, from the server's port but another address.
      elsewhere = from.hostname.replace(/^::ffff:(?=\d)/i, "");
      reportIgnored(
        `${data.length} bytes from ${
          formatAddress(from)
        }: the answer, but not from ${target}, the address asked; ${
          why(elsewhere)
        }`,
      );
    } else {
      reportIgnored(
        `${data.length} bytes from ${formatAddress(from)}: not the server`,
      );
    }
  }
  delayMs *= 2;
}
if (!reply) {
  const over = `after ${attempts} attempts over ${
    (waitedMs / 1000).toFixed(1)
  } s`;
  fail(
    elsewhere === undefined
      ? `no reply from ${target} ${over}; the server seems to be down`
      : `no reply from ${target} ${over}; ` +
        `the answers came from ${elsewhere} instead: ${why(elsewhere)}`,
  );
}
// The reply came from the network: make it safe before printing.
console.log(`The Server reply: ${safeText(reply)}`);
conn.close();
// #endregion backoff
