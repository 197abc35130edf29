/**
 * @title "Your data was N bytes" client, the core
 * @run -N --unstable-net <url> [port] [message…]
 *
 * Sends one message to the size server (size_server.ts) and prints its reply,
 * as the simple client of a 2015 blog post on Python UDP sockets does.
 * improved_client.ts is the same with retries.
 */

// The message comes after the port. The client's socket is made by the same
// call as a server's, on port 0, where the system picks a free port.
const port = Number(Deno.args[0] ?? 6666);
const message = Deno.args.slice(1).join(" ") || "hello world!";
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

// Send the message once. The original then waited for ever if the request or
// the reply was lost: here a timer ends the program with a clear line after
// 5 s.
console.log(`Sent to server: ${message}`);
await conn.send(new TextEncoder().encode(message), server);
const timer = setTimeout(() => {
  console.error(`no reply from 127.0.0.1:${port} within 5 s; is it running?`);
  Deno.exit(1);
}, 5000);
const [reply] = await conn.receive();
clearTimeout(timer);
console.log(`The Server reply: ${printable(reply)}`);
conn.close();
