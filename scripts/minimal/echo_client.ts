/**
 * @title UDP echo client, the core
 * @run -N --unstable-net <url> [port]
 *
 * Sends each line of its input to the echo server (echo_server.ts) and prints
 * the reply, as the client of "Programming udp sockets in python" does; it
 * stops at the end of the input. Type lines, or pipe them in.
 */

// The client's socket is made by the same call as a server's, on port 0: the
// system picks a free port, which the server sees and answers to.
const port = Number(Deno.args[0] ?? 8888);
const server = { transport: "udp" as const, hostname: "127.0.0.1", port };
const conn = Deno.listenDatagram({ ...server, port: 0 });

// A reply may hold terminal escapes or bidi controls: decode it, then show
// every control and format character as an escape, in one plain line.
function printable(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  return text.replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

// UDP may lose the line or its reply, and then no reply ever comes: a timer
// ends the program with a clear line if none has come within 5 seconds.
async function sendLine(line: string) {
  await conn.send(new TextEncoder().encode(line), server);
  const timer = setTimeout(() => {
    console.error(`no reply from 127.0.0.1:${port} within 5 s; is it running?`);
    Deno.exit(1);
  }, 5000);
  const [reply] = await conn.receive();
  clearTimeout(timer);
  console.log(`Server reply : ${printable(reply)}`);
}

// Input comes in chunks, not lines: split each at its line breaks, keep the
// unfinished end for the next chunk, and send what is left at end of input.
let rest = "";
const input = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
for await (const chunk of input) {
  const lines = (rest + chunk).split(/\r?\n/);
  rest = lines.pop() ?? "";
  for (const line of lines) await sendLine(line);
}
if (rest !== "") await sendLine(rest);
conn.close();
