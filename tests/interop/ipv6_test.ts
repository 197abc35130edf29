/**
 * IPv6 and dual stack: every server on `--host ::1` and on `--host ::` (where
 * an IPv4 client arrives as `::ffff:127.0.0.1` and must be shown as
 * `127.0.0.1:PORT`), and every client against `::1` and `localhost`.
 *
 * tests/scripts/ already covers echo_server on ::1, and echo_client,
 * hello_client, time_client and size_client against a server on ::1; those
 * are not repeated here.
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decodeTime } from "../../lib/time.ts";
import {
  decode,
  encode,
  type RunningScript,
  runScript,
  startScript,
  within,
} from "../_helpers.ts";

/** What a server answers to one request, and the line it logs for it. */
interface Server {
  name: string;
  payload: Uint8Array;
  /** Checks the reply; undefined for a server that never answers. */
  checkReply?: (reply: Uint8Array, sentAt: { before: number }) => void;
  log: (client: string) => string;
}

const SERVERS: Server[] = [
  {
    name: "echo_server",
    payload: encode("dual"),
    checkReply: (reply) => assertEquals(decode(reply), "OK...dual"),
    log: (client) => `Message[${client}] - dual`,
  },
  {
    name: "hello_server",
    payload: encode("Ada"),
    checkReply: (reply) => assertEquals(decode(reply), "Hello, Ada!"),
    log: (client) => `Received from ${client}.`,
  },
  {
    name: "time_server",
    payload: new Uint8Array(),
    checkReply: (reply, { before }) => {
      assertEquals(reply.length, 4);
      const served = decodeTime(reply).getTime();
      assert(
        Math.floor(before / 1000) * 1000 <= served && served <= Date.now(),
        `served ${new Date(served).toISOString()}, not the time now`,
      );
    },
    log: (client) => `Time requested by ${client}`,
  },
  {
    name: "size_server",
    payload: encode("dual"),
    checkReply: (reply) => assertEquals(decode(reply), "Your data was 4 bytes"),
    log: (client) => `The client at ${client} says: dual`,
  },
  {
    name: "broadcast_listener",
    payload: encode("dual"),
    log: (client) => `The client at ${client} says: dual`,
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/**
 * Sends the server's request from a fresh socket on `from` (127.0.0.1 or
 * ::1) to the same loopback address, checks the reply if one is due, and
 * waits for the exact log line, with the client's own port in it.
 */
async function askFrom(
  from: "127.0.0.1" | "::1",
  server: Server,
  running: RunningScript,
): Promise<void> {
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: from,
    port: 0,
  });
  const port = (conn.addr as Deno.NetAddr).port;
  try {
    const before = Date.now();
    await conn.send(server.payload, {
      transport: "udp",
      hostname: from,
      port: running.address.port,
    });
    if (server.checkReply) {
      const [reply, addr] = await within(
        5_000,
        `a reply from ${server.name} to ${from}`,
        conn.receive(),
      );
      // The reply comes back from the address the client asked.
      assertEquals((addr as Deno.NetAddr).hostname, from);
      server.checkReply(reply, { before });
    }
  } finally {
    conn.close();
  }
  const client = from === "::1" ? `[::1]:${port}` : `127.0.0.1:${port}`;
  await running.waitForLine(
    new RegExp(`^${escapeRegExp(server.log(client))}$`),
  );
}

for (const server of SERVERS) {
  Deno.test(`${server.name} --host :: serves IPv4 and IPv6 clients, logging 127.0.0.1:PORT and [::1]:PORT`, async (t) => {
    await using running = await startScript(server.name, [
      "--host",
      "::",
      "--port",
      "0",
    ]);
    assertEquals(running.address.hostname, "::");
    await t.step("from 127.0.0.1", () => askFrom("127.0.0.1", server, running));
    await t.step("from ::1", () => askFrom("::1", server, running));
    const { code, stdout } = await running.stop();
    assertEquals(code, 0);
    assert(!stdout.includes("::ffff:"), stdout);
  });

  // echo_server on ::1 is in tests/scripts/echo_test.ts.
  if (server.name === "echo_server") continue;
  Deno.test(`${server.name} --host ::1 serves an IPv6 client and logs [::1]:PORT`, async () => {
    await using running = await startScript(server.name, [
      "--host",
      "::1",
      "--port",
      "0",
    ]);
    assertEquals(running.address.hostname, "::1");
    await askFrom("::1", server, running);
  });
}

Deno.test("broadcast_listener --host :: hears an IPv4 broadcast to 127.255.255.255", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--host",
    "::",
    "--port",
    "0",
  ]);
  const sent = await runScript("broadcast_sender", [
    "--to",
    "127.255.255.255",
    "--port",
    String(listener.address.port),
  ]);
  assertEquals(sent.code, 0, sent.stderr);
  assertMatch(
    await listener.waitForLine(/says/),
    /^The client at 127\.0\.0\.1:\d+ says: Broadcast message$/,
  );
});

/** A client run, the output it must print, and what the server logs. */
interface Client {
  name: string;
  server: string;
  args: string[];
  stdin?: Uint8Array;
  stdout: RegExp;
  log: RegExp;
}

// Whatever `localhost` resolves to here (127.0.0.1 or ::1), a server on ::
// hears it; the server's log says which family the client chose.
const FROM = String.raw`(127\.0\.0\.1|\[::1\]):\d+`;
const CLIENTS: Client[] = [
  {
    name: "echo_client",
    server: "echo_server",
    args: [],
    stdin: encode("local\n"),
    stdout: /^Server reply : OK\.\.\.local\n$/,
    log: new RegExp(`^Message\\[${FROM}\\] - local$`),
  },
  {
    name: "hello_client",
    server: "hello_server",
    args: ["Ada", "Grace"],
    stdout: /^Hello, Ada!\nHello, Grace!\n$/,
    log: new RegExp(`^Received from ${FROM}\\.$`),
  },
  {
    name: "time_client",
    server: "time_server",
    args: ["--iso"],
    stdout: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z\n$/,
    log: new RegExp(`^Time requested by ${FROM}$`),
  },
  {
    name: "size_client",
    server: "size_server",
    args: [],
    stdout:
      /^Sent to server: hello world!\nThe Server reply: Your data was 12 bytes\n$/,
    log: new RegExp(`^The client at ${FROM} says: hello world!$`),
  },
  {
    name: "improved_client",
    server: "size_server",
    args: [],
    stdout: new RegExp(
      `^Attempt 1: sent to ${FROM}, waiting 0\\.10 s\n(Attempt \\d: .*\n)*` +
        `The Server reply: Your data was 12 bytes\n$`,
    ),
    log: new RegExp(`^The client at ${FROM} says: hello world!$`),
  },
];

// Each client against a server on ::1 by address, and against a dual-stack
// server on :: by the name localhost.
const TARGETS = [
  { client: "::1", server: "::1" },
  { client: "localhost", server: "::" },
];

for (const client of CLIENTS) {
  Deno.test(`${client.name} reaches a server on ::1, and one on :: through localhost`, async (t) => {
    for (const target of TARGETS) {
      await t.step(`--host ${target.client}`, async () => {
        await using server = await startScript(client.server, [
          "--host",
          target.server,
          "--port",
          "0",
        ]);
        const { code, stdout, stderr } = await runScript(client.name, [
          "--host",
          target.client,
          "--port",
          String(server.address.port),
          ...client.args,
        ], { stdin: client.stdin });
        assertEquals(code, 0, stderr);
        // Nothing was ignored: the reply came from the server's address.
        assertEquals(stderr, "");
        assertMatch(stdout, client.stdout);
        await server.waitForLine(client.log);
      });
    }
  });
}

Deno.test("size_client and improved_client accept the reply when the target is the IPv4-mapped ::ffff:127.0.0.1", async (t) => {
  await using server = await startScript("size_server", [
    "--host",
    "::",
    "--port",
    "0",
  ]);
  const port = String(server.address.port);
  for (const name of ["size_client", "improved_client"]) {
    await t.step(name, async () => {
      const { code, stdout, stderr } = await runScript(name, [
        "--host",
        "::ffff:127.0.0.1",
        "--port",
        port,
        ...(name === "size_client" ? ["--timeout", "2"] : []),
      ]);
      assertEquals(code, 0, stderr);
      assertEquals(stderr, "");
      assertMatch(stdout, /The Server reply: Your data was 12 bytes\n$/);
    });
  }
});
