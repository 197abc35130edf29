// @ts-check
/**
 * A UDP client on a connected socket, with `node:dgram`: the nearest thing
 * Deno has to Python's `s.connect(addr)`. Sends one datagram to a port on
 * 127.0.0.1 and prints what came of it: a reply, a refusal, or silence.
 *
 * Plain JavaScript, so that the same file runs in Deno and in Node.js; the
 * timeouts page compares the two, and tests/site/facts_test.ts runs both.
 *
 * Run:  deno run -N docs/examples/dgram_connect.js [PORT]
 *       node docs/examples/dgram_connect.js [PORT]
 *
 * @module
 */
import dgram from "node:dgram";
import process from "node:process";

const port = Number(process.argv[2] ?? "8888");
const started = performance.now();

// #region connect
const socket = dgram.createSocket("udp4");
socket.on("message", (reply) => finish(`reply: ${reply}`, 0));
// On a connected socket, the system reports an ICMP "port unreachable" from
// the other end as an error: nobody listens there.
socket.on("error", (error) => {
  const ms = Math.round(performance.now() - started);
  const code = "code" in error ? error.code : error.message;
  finish(`refused: ${code} after ${ms} ms`, 1);
});
// connect() fixes the one address this socket talks to, so send() needs none.
socket.connect(port, "127.0.0.1", () => socket.send("hello"));
const timer = setTimeout(() => finish("no reply within 1 s", 1), 1_000);
// #endregion connect

let done = false;

/**
 * Prints the outcome once, closes the socket, and sets the exit code.
 *
 * @param {string} outcome What happened, in one line.
 * @param {number} code 0 for a reply, 1 otherwise.
 */
function finish(outcome, code) {
  if (done) return;
  done = true;
  clearTimeout(timer);
  socket.close();
  console.log(outcome);
  process.exitCode = code;
}
