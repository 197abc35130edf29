#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Simple size client: sends one message and prints the server's reply.
 *
 * Ports the simple client of a 2015 blog post on Python UDP sockets. The
 * original waits for ever if the request or the reply is lost; this one gives
 * up after `--timeout` seconds, and takes only the reply that gives this
 * message's size, from the server. See improved_client.ts for retries.
 *
 * Run:   deno run -N --unstable-net scripts/size_client.ts [--port 6666] [--message TEXT]
 * Talks to: scripts/size_server.ts
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
import { safeString, safeText } from "../lib/text.ts";

// #region flags
const flags = parseCommand({
  name: "size_client",
  summary: "UDP size client: sends one message and prints the server's reply.",
  string: ["host", "port", "message", "timeout"],
  default: {
    host: "127.0.0.1",
    port: "6666",
    message: "hello world!",
    timeout: "5",
  },
  help: {
    "--host TEXT": "the server's address or name",
    "--port N": "the server's UDP port",
    "--message TEXT": "the text to send",
    "--timeout SECONDS": "how long to wait for the reply",
  },
  notes: ["Start the server first: deno run -N scripts/size_server.ts"],
});
const port = parsePort(flags.port, "port", 1);
const timeoutMs =
  parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 }) * 1000;
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
const server = await resolveServer(flags.host, port).catch((error) =>
  fail(error.message)
);
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
// and reuse it on the next wait; a second receive() would starve it.
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

// #region send
// Say what is sent (your text, made safe to print like a reply), send it
// once, and wait once, up to --timeout.
console.log(`Sent to server: ${safeString(flags.message)}`);
await conn.send(message, server);
// The one reply that answers: from the server, giving this message's size.
const expected = `Your data was ${message.length} bytes`;
const deadline = Date.now() + timeoutMs;
let reply: Uint8Array | undefined;
while (!reply) {
  const received = await receiveBefore(deadline);
  if (!received) {
    fail(
      `no reply from ${formatAddress(server)} within ${
        timeoutMs / 1000
      } s; is size_server running there? (--timeout to wait longer)`,
    );
  }
  const [data, from] = received;
  if (!isFrom(from, server)) {
    reportIgnored(
      `${data.length} bytes from ${formatAddress(from)}: not the server`,
    );
  } else if (new TextDecoder().decode(data) !== expected) {
    reportIgnored(
      `a reply that does not give this message's size ` +
        `(${message.length} bytes): ${safeText(data)}`,
    );
  } else {
    reply = data;
  }
}
// The reply came from the network: make it safe before printing.
console.log(`The Server reply: ${safeText(reply)}`);
conn.close();
// #endregion send
