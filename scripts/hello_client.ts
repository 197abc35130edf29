#!/usr/bin/env -S deno run -N --unstable-net
/**
 * "Hello, name" client: sends each name as one datagram and prints each
 * reply on its own line.
 *
 * Ports the UDP client of the "UDP编程" chapter of Liao Xuefeng's Python
 * tutorial, with the same three names by default. Unlike the original, it
 * gives up on a reply after `--timeout` seconds, and prints only the greeting
 * of the name it sent: a stray or repeated datagram is reported and skipped.
 *
 * Run:   deno run -N --unstable-net scripts/hello_client.ts [--port 9999] [NAME...]
 * Talks to: scripts/hello_server.ts
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
  name: "hello_client",
  summary: "UDP hello client: sends each name to the hello server " +
    "and prints the replies.",
  string: ["host", "port", "timeout"],
  default: { host: "127.0.0.1", port: "9999", timeout: "5" },
  help: {
    "--host TEXT": "the server's address or name",
    "--port N": "the server's UDP port",
    "--timeout SECONDS": "how long to wait for each reply",
  },
  positionals: "[NAME...]",
  notes: ["With no NAME, sends Michael, Tracy and Sarah."],
});
const port = parsePort(flags.port, "port", 1);
const timeoutMs =
  parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 }) * 1000;
if (flags.host === "") usage("--host must not be empty");
// The names you give, or the original's three. Each is sent as its bytes, and
// each must fit in one datagram.
const encoder = new TextEncoder();
const names = (flags._.length > 0 ? flags._ : ["Michael", "Tracy", "Sarah"])
  .map((name) => encoder.encode(name));
for (const name of names) {
  if (name.length > 65_507) {
    usage(
      `a name of ${name.length} bytes does not fit in one datagram ` +
        "(65,507 at most)",
    );
  }
}
// #endregion flags

// #region socket
// Resolve the name once: replies are accepted only from this address and port.
const server = await resolveServer(flags.host, port).catch((error) =>
  fail(error.message)
);
// No connect() is needed: a client socket is the same call as a server's, on
// port 0, where the system picks a free port. It must be of the server's
// family (IPv4 or IPv6).
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

// #region match
/** True if `data` is exactly `Hello, ` + the bytes of `name` + `!`. */
function greets(data: Uint8Array, name: Uint8Array): boolean {
  const hello = encoder.encode("Hello, ");
  return data.length === hello.length + name.length + 1 &&
    hello.every((byte, i) => data[i] === byte) &&
    name.every((byte, i) => data[hello.length + i] === byte) &&
    data[data.length - 1] === 0x21; // "!"
}
// #endregion match

// #region names
// One datagram per name, and the reply to it before the next name goes out.
for (const name of names) {
  await conn.send(name, server);
  // Wait for this name's greeting, from the server: a stray datagram, or a
  // greeting repeated by the network, is reported and skipped, so it cannot
  // shift every line after it.
  const deadline = Date.now() + timeoutMs;
  let reply: Uint8Array | undefined;
  while (!reply) {
    const received = await receiveBefore(deadline);
    if (!received) {
      fail(
        `no reply from ${formatAddress(server)} within ${
          timeoutMs / 1000
        } s; is hello_server running there? (--timeout to wait longer)`,
      );
    }
    const [data, from] = received;
    if (!isFrom(from, server)) {
      reportIgnored(
        `${data.length} bytes from ${formatAddress(from)}: not the server`,
      );
    } else if (!greets(data, name)) {
      reportIgnored(
        `a reply that does not greet ${safeText(name)}: ${safeText(data)}`,
      );
    } else {
      reply = data;
    }
  }
  // The greeting came from the network: make it safe before printing.
  console.log(safeText(reply));
}
conn.close();
// #endregion names
