/**
 * @title "Hello, name" client, the core
 * @run -N --unstable-net <url> [port] [names…]
 *
 * Sends each name as one datagram to the hello server (hello_server.ts) and
 * prints each greeting, as the client of the "UDP编程" chapter of Liao
 * Xuefeng's Python tutorial does, with its three names by default.
 */

// The names to send come after the port. The client's socket is made by the
// same call as a server's, on port 0, where the system picks a free port.
const port = Number(Deno.args[0] ?? 9999);
const names = Deno.args.length > 1
  ? Deno.args.slice(1)
  : ["Michael", "Tracy", "Sarah"];
const server = { transport: "udp" as const, hostname: "127.0.0.1", port };
const conn = Deno.listenDatagram({ ...server, port: 0 });

// A greeting may hold terminal escapes or bidi controls: decode it, then show
// every control and format character as an escape, in one plain line.
function printable(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  return text.replace(
    /[\p{Cc}\p{Cf}]/gu,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

// One datagram per name, then its reply. UDP may lose either, and then no
// reply ever comes: a timer ends the program with a clear line after 5 s.
for (const name of names) {
  await conn.send(new TextEncoder().encode(name), server);
  const timer = setTimeout(() => {
    console.error(`no reply from 127.0.0.1:${port} within 5 s; is it running?`);
    Deno.exit(1);
  }, 5000);
  const [reply] = await conn.receive();
  clearTimeout(timer);
  console.log(printable(reply));
}
conn.close();
