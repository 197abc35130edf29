/**
 * @title Retrying client with exponential backoff, the core
 * @run -N --unstable-net <url> [port] [message…]
 *
 * Sends a message to the size server (size_server.ts), and on silence sends it
 * again with a doubled wait, as the improved client of a 2015 blog post on
 * Python UDP sockets does. It takes a reply only from that server.
 */

// The message comes after the port. The client's socket is made by the same
// call as a server's, on port 0, where the system picks a free port.
const port = Number(Deno.args[0] ?? 6666);
const message = Deno.args.slice(1).join(" ") || "hello world!";
const server = { transport: "udp" as const, hostname: "127.0.0.1", port };
const conn = Deno.listenDatagram({ ...server, port: 0 });

// Deno has no socket timeout: a wait is a race between receive() and a timer.
// The receive() that loses is not cancelled, and a second one started beside
// it would starve it, so one pending receive() is kept across the waits.
let pending = conn.receive();

// Send and wait 0.1 s; on silence, double the wait and send again, until the
// wait would pass 2 s. Python's connect() dropped datagrams from anyone else;
// Deno has no connect(), so the loop checks who sent each one.
for (let attempt = 1, wait = 100; wait <= 2000; attempt++, wait *= 2) {
  console.log(`Attempt ${attempt}: sent, waiting ${wait / 1000} s for a reply`);
  await conn.send(new TextEncoder().encode(message), server);
  const deadline = Date.now() + wait;
  for (let left = wait; left > 0; left = deadline - Date.now()) {
    const silence = new Promise((done) => setTimeout(done, left));
    const received = await Promise.race([pending, silence]);
    if (!received) break;
    pending = conn.receive();
    const [data, from] = received as [Uint8Array, Deno.NetAddr];
    if (from.hostname === server.hostname && from.port === port) {
      const reply = new TextDecoder().decode(data).replace(
        /[\p{Cc}\p{Cf}]/gu,
        (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
      );
      console.log(`The Server reply: ${reply}`);
      Deno.exit(0);
    }
    console.error(`ignored a datagram from ${from.hostname}:${from.port}`);
  }
}
console.error(`no reply from 127.0.0.1:${port}; the server seems to be down`);
Deno.exit(1);
