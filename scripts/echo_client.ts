#!/usr/bin/env -S deno run -N --unstable-net
/**
 * UDP echo client: sends each line you type (or pipe in) to the echo server
 * and prints the reply.
 *
 * Ports the interactive client of "Programming udp sockets in python"
 * (binarytides). Unlike the original it stops cleanly at the end of input,
 * gives up on a reply after `--timeout` seconds instead of waiting for ever,
 * and prints only the reply to the line it sent.
 *
 * Run:   deno run -N --unstable-net scripts/echo_client.ts [--port 8888]
 * Talks to: scripts/echo_server.ts
 *
 * @module
 */
import { fail, parseCommand, parseNumber, parsePort } from "../lib/cli.ts";
import {
  clientAddressFor,
  formatAddress,
  isFrom,
  resolveServer,
} from "../lib/net.ts";
import { readLines } from "../lib/stdin.ts";
import { safeText } from "../lib/text.ts";

// #region flags
const flags = parseCommand({
  name: "echo_client",
  summary: "UDP echo client: sends each line of input to the echo server " +
    "and prints the reply.",
  string: ["host", "port", "timeout"],
  default: { host: "127.0.0.1", port: "8888", timeout: "5" },
  help: {
    "--host TEXT": "the server's address or name",
    "--port N": "the server's UDP port",
    "--timeout SECONDS": "how long to wait for each reply",
  },
  notes: ["Start the server first: deno run -N scripts/echo_server.ts"],
});
const port = parsePort(flags.port, "port", 1);
const timeoutMs =
  parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 }) * 1000;
if (flags.host === "") fail("--host must not be empty", 2);
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
    timer = setTimeout(() => resolve(undefined), deadline - Date.now());
  });
  const received = await Promise.race([pending, timeout]);
  clearTimeout(timer);
  if (received) pending = undefined; // used: the next wait starts a new one
  return received;
}
// #endregion wait

// #region match
/** True if `data` ends with the bytes of `line`: `OK...` + line, or line. */
function endsWith(data: Uint8Array, line: Uint8Array): boolean {
  const tail = data.subarray(data.length - line.length);
  return data.length >= line.length && tail.every((b, i) => b === line[i]);
}
// #endregion match

// #region session
// The prompt is for a person: piped input gets clean output.
const prompt = new TextEncoder().encode("Enter message to send : ");
const interactive = Deno.stdin.isTerminal();
if (interactive) await Deno.stdout.write(prompt);
for await (const line of readLines(Deno.stdin.readable)) {
  if (line.length > 65_507) {
    const size = `a line of ${line.length} bytes`;
    fail(`${size} does not fit in one datagram (65,507 at most)`);
  }
  await conn.send(line, server);
  // Wait for the reply to this line: from the server, ending with the line.
  const deadline = Date.now() + timeoutMs;
  let reply: Uint8Array | undefined;
  while (!reply) {
    const received = await receiveBefore(deadline);
    if (!received) {
      fail(
        `no reply from ${formatAddress(server)} within ${
          timeoutMs / 1000
        } s; is echo_server running there? (--timeout to wait longer)`,
      );
    }
    const [data, from] = received;
    if (!isFrom(from, server)) {
      console.error(
        `ignored ${data.length} bytes from ${
          formatAddress(from)
        }: not the server`,
      );
    } else if (!endsWith(data, line)) {
      console.error(
        `ignored a reply that does not echo this line: ${safeText(data)}`,
      );
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
