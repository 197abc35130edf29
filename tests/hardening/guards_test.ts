/**
 * Reflection-loop and spoofing guards: every server listens on 127.0.0.1
 * unless told otherwise; no server answers a port below 1024, its own port,
 * a request shaped like a server's reply, its own last reply sent back, a
 * sender past its budget, or with an oversized reply; refusals are logged
 * once in a while, not once per datagram.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { BURST, DEFAULT_BUDGET } from "../../lib/guards.ts";
import { encodeTime } from "../../lib/time.ts";
import {
  answered,
  decode,
  encode,
  loopbackSocket,
  runScript,
  sleep,
  startScript,
  within,
} from "../_helpers.ts";

const SERVERS = ["echo_server", "hello_server", "time_server", "size_server"];

/** Source ports below 1024 that the port test binds: echo, chargen, DNS, NTP. */
const SERVICE_PORTS = [7, 19, 53, 123];
/** Whether this process may bind ports below 1024 (root, usually). */
function canBindLowPorts(): boolean {
  try {
    Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 7 })
      .close();
    return true;
  } catch {
    return false;
  }
}
const isRoot = canBindLowPorts();
const ci = Deno.env.get("CI") === "true";
if (!isRoot && !ci) {
  console.log(
    `ignored: binding source ports ${
      SERVICE_PORTS.join(", ")
    } needs root; run as root or under CI`,
  );
}

for (const name of SERVERS) {
  Deno.test({
    name: `${name} does not answer source ports ${
      SERVICE_PORTS.join(", ")
    }, and still answers others`,
    ignore: !isRoot && !ci,
    fn: async () => {
      await using server = await startScript(name, ["--port", "0"]);
      for (const port of SERVICE_PORTS) {
        assertEquals(
          await answered(server.address, encode("loop?"), {
            from: { hostname: "127.0.0.1", port },
          }),
          false,
          `${name} answered source port ${port}`,
        );
      }
      assertEquals(await answered(server.address, encode("fine")), true);
    },
  });

  Deno.test(`${name} does not answer a request from its own port number`, async () => {
    await using server = await startScript(name, ["--port", "0"]);
    // 127.0.0.2 is loopback too, so a socket there can take the same port.
    assertEquals(
      await answered(server.address, encode("me?"), {
        from: { hostname: "127.0.0.2", port: server.address.port },
      }),
      false,
    );
    const { stderr } = await server.stop();
    assertStringIncludes(stderr, "this server's own port");
  });
}

/**
 * Requests shaped like each server's reply, sent from an ordinary client
 * port: every other guard lets them through, so only the reply-shape guard
 * keeps a server silent.
 */
const REPLY_SHAPED: [string, () => Uint8Array][] = [
  ["OK...fine", () => encode("OK...fine")],
  ["Hello, fine!", () => encode("Hello, fine!")],
  ["Your data was 4 bytes", () => encode("Your data was 4 bytes")],
  ["the time now, in 4 bytes", () => encodeTime(new Date())],
];

for (const name of SERVERS) {
  Deno.test(`${name} listens on 127.0.0.1 unless told otherwise`, async () => {
    await using server = await startScript(name, ["--port", "0"]);
    const ready = server.stdout().split("\n")[0];
    assertMatch(ready, /^\w+ server listening on 127\.0\.0\.1:\d+$/);
    assertEquals(server.address.hostname, "127.0.0.1");
  });

  Deno.test(`${name} stays silent to a request shaped like a server's reply, from an ordinary client`, async () => {
    await using server = await startScript(name, ["--port", "0"]);
    for (const [what, request] of REPLY_SHAPED) {
      assertEquals(
        await answered(server.address, request()),
        false,
        `${name} answered ${what}`,
      );
    }
    assertEquals(await answered(server.address, encode("fine")), true);
    const { stderr } = await server.stop();
    assertStringIncludes(stderr, "looks like a server's reply");
  });
}

/**
 * Counts the datagrams `conn` receives until none has come for `quietMs`,
 * keeping one pending `receive()` throughout; bounded by `count` replies.
 */
async function repliesUntilQuiet(
  conn: Deno.DatagramConn,
  count: number,
  quietMs = 500,
): Promise<number> {
  let replies = 0;
  let pending = conn.receive();
  while (replies < count) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<"quiet">((resolve) => {
      timer = setTimeout(() => resolve("quiet"), quietMs);
    });
    const got = await Promise.race([pending, quiet]);
    clearTimeout(timer);
    if (got === "quiet") break;
    replies++;
    pending = conn.receive();
  }
  pending.catch(() => {}); // closing the socket ends it: not an error
  return replies;
}

Deno.test(`a server answers one port ${BURST} requests at once, then only as fast as --budget refills, and says so once`, async () => {
  // One answer a second after the burst: the 50 more sent at once are
  // refused, whatever this machine's speed.
  await using server = await startScript("size_server", [
    "--port",
    "0",
    "--budget",
    "1",
  ]);
  {
    using conn = loopbackSocket();
    for (let i = 0; i < BURST + 50; i++) {
      await conn.send(encode(`request ${i}`), server.address);
    }
    const replies = await repliesUntilQuiet(conn, BURST + 50);
    assert(
      replies >= BURST && replies <= BURST + 2,
      `${replies} replies to ${BURST + 50} requests`,
    );
  }
  // Another port has a budget of its own.
  assertEquals(await answered(server.address, encode("fine")), true);
  const { stderr } = await server.stop();
  const lines = stderr.split("\n").filter((l) => l.startsWith("not answering"));
  assertEquals(lines.length, 1, stderr);
  assertMatch(
    lines[0],
    /^not answering: 127\.0\.0\.1:\d+ is past its budget of 100 answers at once and 1 a second \(a loop, or a flood from one port\)$/,
  );
});

/** Half the default budget: the time between requests of a client below it. */
const GAP_MS = 2_000 / DEFAULT_BUDGET;

Deno.test(`a client below the default budget is never refused: ${BURST * 4} requests from one port, ${GAP_MS} ms apart`, async () => {
  // Past the burst, only the budget's refill keeps it answered.
  await using server = await startScript("echo_server", ["--port", "0"]);
  using conn = loopbackSocket();
  for (let i = 0; i < BURST * 4; i++) {
    const request = encode(`request ${i}`);
    await conn.send(request, server.address);
    const [reply] = await within(2_000, `reply ${i + 1}`, conn.receive());
    assertEquals(decode(reply), `OK...request ${i}`);
    await sleep(GAP_MS);
  }
  const { stderr } = await server.stop();
  assertEquals(stderr, "");
});

Deno.test('echo_server --prefix "" does not answer its own last reply sent back, even 1.1 s later', async () => {
  // As an echo service that answers after 1.1 s would send it back.
  await using server = await startScript("echo_server", [
    "--port",
    "0",
    "--prefix",
    "",
  ]);
  using conn = loopbackSocket();
  const exchanges: string[] = [];
  for (const [payload, wait] of [["ping", 0], ["ping", 1_100], ["pong", 0]]) {
    await sleep(wait as number);
    await conn.send(encode(payload as string), server.address);
    exchanges.push(
      await repliesUntilQuiet(conn, 1, 300) === 1 ? "answered" : "silent",
    );
  }
  assertEquals(exchanges, ["answered", "silent", "answered"]);
  const { stderr } = await server.stop();
  assertMatch(
    stderr,
    /^not answering: 127\.0\.0\.1:\d+ sent back our last reply to it \(an echo\)$/m,
  );
});

Deno.test("a server rejects a --budget that is not a whole number from 1, in one line, exit 2", async () => {
  for (const value of ["0", "1.5", "many", "-3"]) {
    const { code, stdout, stderr } = await runScript("hello_server", [
      "--port",
      "0",
      "--budget",
      value,
    ]);
    assertEquals(code, 2, value);
    assertEquals(stdout, "");
    assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    assertStringIncludes(
      stderr,
      `--budget must be a whole number from 1 to 1000000, not "${value}"`,
    );
  }
});

Deno.test("refusals are logged once, with a count later, not once per datagram", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  {
    using from = loopbackSocket("127.0.0.2", server.address.port);
    for (let i = 0; i < 200; i++) await from.send(encode("x"), server.address);
  }
  // A normal request after the burst is still answered.
  assertEquals(await answered(server.address, encode("ok?")), true);
  const { stderr } = await server.stop();
  const lines = stderr.split("\n").filter((l) => l.startsWith("not answering"));
  assertEquals(lines.length, 1, stderr);
});

Deno.test("echo_server refuses a --prefix that would make replies much bigger than requests", async () => {
  const { code, stderr } = await runScript("echo_server", [
    "--port",
    "0",
    "--prefix",
    "x".repeat(33),
  ]);
  assertEquals(code, 2);
  assertStringIncludes(stderr, "--prefix may be at most 32 bytes");
});

Deno.test("time replies are 4 bytes whatever the request", async () => {
  await using server = await startScript("time_server", ["--port", "0"]);
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    await conn.send(new Uint8Array(0), server.address);
    const [reply] = await within(5_000, "the time reply", conn.receive());
    assertEquals(reply.length, encodeTime(new Date()).length);
  } finally {
    conn.close();
  }
});
