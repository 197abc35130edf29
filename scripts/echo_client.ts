#!/usr/bin/env -S deno run -N --unstable-net
/**
 * UDP echo client: sends each line you type (or pipe in) to the echo server
 * and prints the reply.
 *
 * Ports the interactive client of "Programming udp sockets in python"
 * (binarytides). Unlike the original it stops cleanly at the end of input,
 * gives up on a reply after `--timeout` seconds instead of waiting for ever,
 * and prints only the reply to the line it sent: exactly the server's prefix
 * (`--prefix`, `OK...` as on the server) followed by the line.
 *
 * Run:   deno run -N --unstable-net scripts/echo_client.ts [--port 8888] [--prefix TEXT]
 * Talks to: scripts/echo_server.ts
 *
 * @module
 */
import {
  fail,
  parseCommand,
  parseNumber,
  parsePort,
  reportIgnored,
} from "../lib/cli.ts";
import {
  clientAddressFor,
  formatAddress,
  isFrom,
  resolveServer,
} from "../lib/net.ts";
import { readLines } from "../lib/stdin.ts";
import { quoted, safeText } from "../lib/text.ts";

// #region flags
const flags = parseCommand({
  name: "echo_client",
  summary: "UDP echo client: sends each line of input to the echo server " +
    "and prints the reply.",
  string: ["host", "port", "timeout", "prefix"],
  default: { host: "127.0.0.1", port: "8888", timeout: "5", prefix: "OK..." },
  help: {
    "--host TEXT": "the server's address or name",
    "--port N": "the server's UDP port",
    "--timeout SECONDS": "how long to wait for each reply",
    "--prefix TEXT": "what the server puts before each echo, as its " +
      '--prefix; "" for a plain echo server',
  },
  notes: ["Start the server first: deno run -N scripts/echo_server.ts"],
});
const port = parsePort(flags.port, "port", 1);
const timeoutMs =
  parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 }) * 1000;
if (flags.host === "") fail("--host must not be empty", 2);
// A reply is this prefix and the line, byte for byte.
const prefix = new TextEncoder().encode(flags.prefix);
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

// #region match
/** True if `data` is exactly `prefix` followed by `line`: the line's echo. */
function isEcho(data: Uint8Array, line: Uint8Array): boolean {
  return data.length === prefix.length + line.length &&
    prefix.every((byte, i) => data[i] === byte) &&
    line.every((byte, i) => data[prefix.length + i] === byte);
}
// #endregion match

// #region session
// The prompt is for a person: piped input gets clean output.
const prompt = new TextEncoder().encode("Enter message to send : ");
const interactive = Deno.stdin.isTerminal();
if (interactive) await Deno.stdout.write(prompt);
// A line longer than one datagram holds is refused; readLines() keeps no more
// of it than that, so a huge input costs no memory.
const lines = readLines(Deno.stdin.readable, { maxBytes: 65_507 });
// What a reply must be, to say so when one is not.
const echo = flags.prefix === ""
  ? "this line"
  : `${quoted(flags.prefix)} + this line`;
for await (const line of lines) {
  if (line.length > 65_507) {
    fail("a line of more than 65,507 bytes does not fit in one datagram");
  }
  await conn.send(line, server);
  // Wait for the reply to this line: from the server, the prefix and the line.
  const deadline = Date.now() + timeoutMs;
  let reply: Uint8Array | undefined;
  let answeredElse = false; // the server answered, but not with the echo
  while (!reply) {
    const received = await receiveBefore(deadline);
    if (!received) {
      const within = `from ${formatAddress(server)} within ${
        timeoutMs / 1000
      } s`;
      fail(
        answeredElse
          ? `no echo of this line ${within}; does the server put ` +
            `${quoted(flags.prefix)} before it? (--prefix to say what it puts)`
          : `no reply ${within}; is echo_server running there? ` +
            "(--timeout to wait longer)",
      );
    }
    const [data, from] = received;
    if (!isFrom(from, server)) {
      reportIgnored(
        `${data.length} bytes from ${formatAddress(from)}: not the server`,
      );
    } else if (!isEcho(data, line)) {
      answeredElse = true;
      reportIgnored(`a reply that is not ${echo}: ${safeText(data)}`);
    } else {
      reply = data;
    }
  }
  console.log(`Server reply : ${safeText(reply)}`);
  if (interactive) await Deno.stdout.write(prompt);
}
if (interactive) console.log(); // end the prompt line after Ctrl-D
conn.close();
// #endregion session
