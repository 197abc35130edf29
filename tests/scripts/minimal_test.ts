/**
 * The minimal programs in scripts/minimal/, run as real processes on loopback
 * with `deno run --no-config -N --unstable-net`: what each must get right,
 * and every pairing with the full scripts (a minimal client against a full
 * server, a full client against a minimal server).
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertLess,
  assertLessOrEqual,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import {
  addressOf,
  concat,
  decode,
  encode,
  exchange,
  loopbackSocket,
  type RunningScript,
  runScript,
  type ScriptResult,
  sleep,
  startScript,
  within,
} from "../_helpers.ts";
import { CONVERSATIONS, converse, type Listening } from "./_minimal.ts";

/** A minimal file's name for the helpers, which run it with no deno.json. */
const minimal = (name: string) => `minimal/${name}`;

/** ESC (C0), a right-to-left override (bidi) and CSI (C1), then text. */
const HOSTILE = "\x1b[2J\u202e\x9bX";
/** How the minimal files show it: each control as `\uXXXX`, on one line. */
const HOSTILE_SHOWN = "\\u001b[2J\\u202e\\u009bX";

/** Seconds from 1900 (RFC 868) to 1970 (Unix). */
const SECONDS_1900_TO_1970 = 2_208_988_800;

/** The 4-byte RFC 868 time for `iso`, modulo 2^32. */
function rfc868(iso: string): Uint8Array {
  const seconds = Date.parse(iso) / 1000 + SECONDS_1900_TO_1970;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, seconds % 2 ** 32);
  return bytes;
}

/** One datagram a stub server received. */
interface Request {
  data: Uint8Array;
  from: Deno.NetAddr;
  at: number;
}

/**
 * A server on 127.0.0.1 that a test controls: `answer` says what to send
 * back to each request (nothing if it returns undefined). Every request is
 * kept, with the time it came (`performance.now()`).
 */
function stubServer(
  answer: (request: Request, count: number) =>
    | Uint8Array
    | undefined
    | Promise<Uint8Array | undefined> = () => undefined,
) {
  const conn = loopbackSocket();
  const requests: Request[] = [];
  const serving = (async () => {
    try {
      while (true) {
        const [data, from] = await conn.receive();
        const request = {
          data,
          from: from as Deno.NetAddr,
          at: performance.now(),
        };
        requests.push(request);
        const reply = await answer(request, requests.length);
        if (reply) await conn.send(reply, from);
      }
    } catch {
      // closed at the end of the test
    }
  })();
  return {
    address: addressOf(conn),
    port: String(addressOf(conn).port),
    requests,
    async [Symbol.asyncDispose]() {
      conn.close();
      await serving;
    },
  };
}

/** Runs a script and returns what it printed with the real time it took. */
async function timed(
  name: string,
  args: string[],
  stdin?: Uint8Array,
): Promise<ScriptResult & { ms: number }> {
  const start = performance.now();
  const result = await runScript(name, args, { stdin, timeoutMs: 20_000 });
  return { ...result, ms: performance.now() - start };
}

/**
 * The `count` lines a server printed after its ready line (waiting for them,
 * since a server may log after it answers), once it is stopped.
 */
async function logLines(
  server: RunningScript,
  count: number,
): Promise<string[]> {
  await within(
    5_000,
    `${count} log lines`,
    (async () => {
      while (server.stdout().split("\n").length < count + 2) await sleep(10);
    })(),
  );
  const { stdout } = await server.stop();
  return stdout.trimEnd().split("\n").slice(1);
}

/** A started server, as converse() takes it. */
function listening(server: RunningScript): Listening {
  return { port: server.address.port, waitForLine: server.waitForLine };
}

/** What a client reads on stdin, as bytes, if anything. */
function encodeInput(stdin?: string): Uint8Array | undefined {
  return stdin === undefined ? undefined : encode(stdin);
}

// ---------------------------------------------------------------- servers

Deno.test("minimal servers bind 127.0.0.1 (the broadcast listener 0.0.0.0) and name the real port", async () => {
  const servers = [
    ["echo_server", "echo server", "127.0.0.1"],
    ["hello_server", "hello server", "127.0.0.1"],
    ["time_server", "time server", "127.0.0.1"],
    ["size_server", "size server", "127.0.0.1"],
    ["broadcast_listener", "broadcast listener", "0.0.0.0"],
  ];
  for (const [name, label, host] of servers) {
    await using server = await startScript(minimal(name), ["0"]);
    assertEquals(server.address.hostname, host, name);
    assert(server.address.port > 0, name);
    assertEquals(
      server.stdout(),
      `${label} listening on ${host}:${server.address.port}\n`,
    );
  }
});

Deno.test("every minimal file's port defaults to its original's", async (t) => {
  // These bind the originals' fixed ports, one conversation at a time: a
  // failure that says "in use" means another program holds that port.
  for (const talk of CONVERSATIONS) {
    await t.step(
      `${talk.client} and ${talk.server} on ${talk.port}`,
      async () => {
        await using server = await startScript(minimal(talk.server));
        assertEquals(server.address.port, talk.port);
        await converse(
          talk,
          listening(server),
          (_port, stdin) =>
            runScript(minimal(talk.client), [], { stdin: encodeInput(stdin) }),
        );
      },
    );
  }
});

// ------------------------------------------------------------------- echo

Deno.test("minimal echo_server answers OK... and the exact bytes, invalid UTF-8 included", async () => {
  await using server = await startScript(minimal("echo_server"), ["0"]);
  const payload = new Uint8Array([0xff, 0x00, 0x41, 0xc3]);
  assertEquals(
    await exchange(server.address, payload),
    concat(encode("OK..."), payload),
  );
});

Deno.test("minimal echo_server answers an empty datagram with OK... and keeps serving", async () => {
  await using server = await startScript(minimal("echo_server"), ["0"]);
  assertEquals(
    decode(await exchange(server.address, new Uint8Array())),
    "OK...",
  );
  assertEquals(
    decode(await exchange(server.address, encode("again"))),
    "OK...again",
  );
});

Deno.test("minimal echo_server logs Message[ADDR:PORT] - PAYLOAD, trimmed and escaped", async () => {
  await using server = await startScript(minimal("echo_server"), ["0"]);
  using conn = loopbackSocket();
  const port = addressOf(conn).port;
  for (const text of ["hello\n", HOSTILE]) {
    await conn.send(encode(text), server.address);
    await within(5_000, "the reply", conn.receive());
  }
  assertEquals(await logLines(server, 2), [
    `Message[127.0.0.1:${port}] - hello`,
    `Message[127.0.0.1:${port}] - ${HOSTILE_SHOWN}`,
  ]);
});

Deno.test("minimal echo_client sends each line of its input and stops at its end", async () => {
  await using server = await startScript(minimal("echo_server"), ["0"]);
  const port = String(server.address.port);
  const client = await runScript(minimal("echo_client"), [port], {
    stdin: encode("hello\nhow are you\r\nlast, with no line break"),
  });
  assertEquals(client.code, 0, client.stderr);
  assertEquals(
    client.stdout,
    "Server reply : OK...hello\nServer reply : OK...how are you\n" +
      "Server reply : OK...last, with no line break\n",
  );
  assertEquals(client.stderr, "");
  const empty = await runScript(minimal("echo_client"), [port], {
    stdin: new Uint8Array(),
  });
  assertEquals([empty.code, empty.stdout, empty.stderr], [0, "", ""]);
});

Deno.test("minimal echo_client escapes control and bidi characters in a reply", async () => {
  await using stub = stubServer(() => encode(HOSTILE));
  const client = await runScript(minimal("echo_client"), [stub.port], {
    stdin: encode("x\n"),
  });
  assertEquals(client.stdout, `Server reply : ${HOSTILE_SHOWN}\n`);
});

// ------------------------------------------------------------------ hello

Deno.test("minimal hello_server greets the name's exact bytes and logs who asked", async () => {
  await using server = await startScript(minimal("hello_server"), ["0"]);
  using conn = loopbackSocket();
  const name = new Uint8Array([0xff, 0x41, 0x00]);
  await conn.send(name, server.address);
  const [reply] = await within(5_000, "the greeting", conn.receive());
  assertEquals(reply, concat(encode("Hello, "), name, encode("!")));
  assertEquals(await logLines(server, 1), [
    `Received from 127.0.0.1:${addressOf(conn).port}.`,
  ]);
});

Deno.test("minimal hello_client sends the names given after the port, one datagram each", async () => {
  await using server = await startScript(minimal("hello_server"), ["0"]);
  const client = await runScript(minimal("hello_client"), [
    String(server.address.port),
    "Ada",
    "Grace Hopper",
  ]);
  assertEquals(client.code, 0, client.stderr);
  assertEquals(client.stdout, "Hello, Ada!\nHello, Grace Hopper!\n");
});

Deno.test("minimal hello_client escapes control and bidi characters in a greeting", async () => {
  await using stub = stubServer(() => encode(HOSTILE));
  const client = await runScript(minimal("hello_client"), [stub.port, "x"]);
  assertEquals(client.stdout, `${HOSTILE_SHOWN}\n`);
});

// ------------------------------------------------------------------- time

Deno.test("minimal time_server answers RFC 868: 4 bytes, seconds since 1900", async () => {
  await using server = await startScript(minimal("time_server"), ["0"]);
  using conn = loopbackSocket();
  const before = Math.floor(Date.now() / 1000) + SECONDS_1900_TO_1970;
  await conn.send(encode("any content"), server.address);
  const [reply] = await within(5_000, "the time", conn.receive());
  const after = Math.ceil(Date.now() / 1000) + SECONDS_1900_TO_1970;
  assertEquals(reply.length, 4);
  const seconds = new DataView(reply.buffer, reply.byteOffset).getUint32(0);
  assertGreaterOrEqual(seconds, before % 2 ** 32);
  assertLessOrEqual(seconds, after % 2 ** 32);
  assertEquals(await logLines(server, 1), [
    `Time requested by 127.0.0.1:${addressOf(conn).port}`,
  ]);
});

Deno.test("minimal time_client sends an empty datagram and prints the date as ctime does", async () => {
  await using stub = stubServer(() => rfc868("2016-03-20T09:29:09Z"));
  const utc = await runScript(minimal("time_client"), [stub.port]);
  assertEquals(utc.code, 0, utc.stderr);
  assertEquals(utc.stdout, "Sun Mar 20 09:29:09 2016\n");
  assertEquals(stub.requests[0].data.length, 0);
  // Local time, as Python's time.ctime() prints it.
  const shanghai = await runScript(minimal("time_client"), [stub.port], {
    env: { TZ: "Asia/Shanghai" },
  });
  assertEquals(shanghai.stdout, "Sun Mar 20 17:29:09 2016\n");
});

Deno.test("minimal time_client reads a time past the 2036 wrap", async () => {
  const bytes = rfc868("2040-01-01T00:00:00Z");
  // The count wrapped: taken as it is, it would be a date in 1903.
  assertLess(new DataView(bytes.buffer).getUint32(0), 2 ** 31);
  await using stub = stubServer(() => bytes);
  const client = await runScript(minimal("time_client"), [stub.port]);
  assertEquals(client.stdout, "Sun Jan  1 00:00:00 2040\n", client.stderr);
});

Deno.test("minimal time_client refuses a reply that is not 4 bytes: one line, exit 1", async () => {
  await using stub = stubServer(() => new Uint8Array(5));
  const client = await runScript(minimal("time_client"), [stub.port]);
  assertEquals(client.code, 1);
  assertEquals(client.stdout, "");
  assertEquals(
    client.stderr,
    "expected 4 bytes, got 5: not an RFC 868 time\n",
  );
});

// ------------------------------------------------------------------- size

Deno.test("minimal size_server counts bytes, not characters, and logs escaped", async () => {
  await using server = await startScript(minimal("size_server"), ["0"]);
  using conn = loopbackSocket();
  const cases: [Uint8Array, string][] = [
    [encode("déjà vu"), "Your data was 9 bytes"],
    [new Uint8Array([0xff, 0xfe, 0x00]), "Your data was 3 bytes"],
    [new Uint8Array(), "Your data was 0 bytes"],
    [encode(HOSTILE), `Your data was ${encode(HOSTILE).length} bytes`],
  ];
  for (const [payload, expected] of cases) {
    await conn.send(payload, server.address);
    const [reply] = await within(5_000, "the reply", conn.receive());
    assertEquals(decode(reply), expected);
  }
  const lines = await logLines(server, 4);
  const port = addressOf(conn).port;
  assertEquals(lines[0], `The client at 127.0.0.1:${port} says: déjà vu`);
  assertEquals(
    lines[3],
    `The client at 127.0.0.1:${port} says: ${HOSTILE_SHOWN}`,
  );
});

Deno.test("minimal size_client sends the message given after the port and prints the reply", async () => {
  await using server = await startScript(minimal("size_server"), ["0"]);
  const client = await runScript(minimal("size_client"), [
    String(server.address.port),
    "déjà",
    "vu",
  ]);
  assertEquals(client.code, 0, client.stderr);
  assertEquals(
    client.stdout,
    "Sent to server: déjà vu\nThe Server reply: Your data was 9 bytes\n",
  );
});

Deno.test("minimal size_client escapes control and bidi characters in a reply", async () => {
  await using stub = stubServer(() => encode(HOSTILE));
  const client = await runScript(minimal("size_client"), [stub.port]);
  assertStringIncludes(client.stdout, `The Server reply: ${HOSTILE_SHOWN}\n`);
});

// --------------------------------------------------------------- improved

Deno.test("minimal improved_client prints its attempt and the server's reply", async () => {
  await using server = await startScript(minimal("size_server"), ["0"]);
  const client = await runScript(minimal("improved_client"), [
    String(server.address.port),
    "one more",
  ]);
  assertEquals(client.code, 0, client.stderr);
  assertEquals(
    client.stdout,
    "Attempt 1: sent, waiting 0.1 s for a reply\n" +
      "The Server reply: Your data was 8 bytes\n",
  );
});

Deno.test("minimal improved_client doubles its wait from 0.1 s and gives up past 2 s", async () => {
  await using stub = stubServer();
  const client = await timed(minimal("improved_client"), [stub.port]);
  const end = performance.now();
  assertEquals(client.code, 1);
  assertEquals(
    client.stdout,
    [0.1, 0.2, 0.4, 0.8, 1.6].map((wait, i) =>
      `Attempt ${i + 1}: sent, waiting ${wait} s for a reply\n`
    ).join(""),
  );
  assertStringIncludes(client.stderr, "the server seems to be down");
  // Five requests, each after the last wait ran out: 0.1, 0.2, 0.4, 0.8 s
  // apart, then 1.6 s of silence before it gave up.
  assertEquals(stub.requests.length, 5);
  const gaps = stub.requests.slice(1).map((r, i) => r.at - stub.requests[i].at);
  gaps.push(end - stub.requests[4].at);
  [100, 200, 400, 800, 1600].forEach((wait, i) => {
    assertGreaterOrEqual(gaps[i], wait - 10, `wait ${i + 1}: ${gaps}`);
    assertLess(gaps[i], wait + 600, `wait ${i + 1}: ${gaps}`);
  });
  assertLess(client.ms, 10_000);
});

Deno.test("minimal improved_client takes a reply that comes after its first wait ran out", async () => {
  // The first request is answered 0.15 s late, during the second wait; the
  // second request is never answered.
  await using stub = stubServer(async (_request, count) => {
    if (count > 1) return undefined;
    await sleep(150);
    return encode("Your data was 12 bytes");
  });
  const client = await runScript(minimal("improved_client"), [stub.port]);
  assertEquals(client.code, 0, client.stderr);
  assertEquals(
    client.stdout,
    "Attempt 1: sent, waiting 0.1 s for a reply\n" +
      "Attempt 2: sent, waiting 0.2 s for a reply\n" +
      "The Server reply: Your data was 12 bytes\n",
  );
});

Deno.test("minimal improved_client ignores a reply from another port or another address", async () => {
  // Two impostors answer every request at once: one from the server's
  // address on another port, one from the server's port on 127.0.0.2. The
  // server itself answers only the second request.
  using otherPort = loopbackSocket();
  const otherAddress: Deno.DatagramConn[] = []; // bound once the port is known
  await using stub = stubServer(async ({ from }, count) => {
    await otherPort.send(encode("Your data was 99 bytes"), from);
    await otherAddress[0].send(encode("Your data was 98 bytes"), from);
    return count === 2 ? encode("Your data was 12 bytes") : undefined;
  });
  using impostor = loopbackSocket("127.0.0.2", stub.address.port);
  otherAddress.push(impostor);
  const client = await runScript(minimal("improved_client"), [stub.port]);
  assertEquals(client.code, 0, client.stderr);
  assertEquals(
    client.stdout,
    "Attempt 1: sent, waiting 0.1 s for a reply\n" +
      "Attempt 2: sent, waiting 0.2 s for a reply\n" +
      "The Server reply: Your data was 12 bytes\n",
  );
  const other = addressOf(otherPort).port;
  assertStringIncludes(
    client.stderr,
    `ignored a datagram from 127.0.0.1:${other}`,
  );
  assertStringIncludes(
    client.stderr,
    `ignored a datagram from 127.0.0.2:${stub.address.port}`,
  );
});

Deno.test("minimal improved_client never takes an impostor's answer for the server's", async () => {
  using impostor = loopbackSocket();
  await using stub = stubServer(async ({ from }) => {
    await impostor.send(encode("Your data was 12 bytes"), from);
    return undefined;
  });
  const client = await runScript(minimal("improved_client"), [stub.port]);
  assertEquals(client.code, 1);
  assert(!client.stdout.includes("Server reply"), client.stdout);
  assertStringIncludes(client.stderr, "the server seems to be down");
});

// -------------------------------------------------------------- deadlines

Deno.test("every minimal client facing a silent server says so on stderr and exits non-zero within 10 s", async () => {
  const clients: [string, string[], Uint8Array | undefined][] = [
    ["echo_client", [], encode("anyone there?\n")],
    ["hello_client", [], undefined],
    ["time_client", [], undefined],
    ["size_client", [], undefined],
    ["improved_client", [], undefined],
  ];
  await Promise.all(clients.map(async ([name, args, stdin]) => {
    await using silent = stubServer();
    const client = await timed(minimal(name), [silent.port, ...args], stdin);
    assert(client.code !== 0, `${name} exited 0`);
    assertLess(client.ms, 10_000, `${name} took ${client.ms} ms`);
    assertEquals(client.stderr.trimEnd().split("\n").length, 1, client.stderr);
    assertMatch(
      client.stderr,
      new RegExp(`no reply from 127\\.0\\.0\\.1:${silent.port}`),
    );
    assert(silent.requests.length > 0, `${name} sent nothing`);
  }));
});

// -------------------------------------------------------------- broadcast

Deno.test("minimal broadcast_sender's message, sent to 127.255.255.255, is heard by the minimal listener", async () => {
  await using listener = await startScript(minimal("broadcast_listener"), [
    "0",
  ]);
  const port = String(listener.address.port);
  const sender = await runScript(minimal("broadcast_sender"), [
    port,
    "lights",
    "out",
  ]);
  assertEquals(sender.code, 0, sender.stderr);
  assertEquals(sender.stdout, `Sent "lights out" to 127.255.255.255:${port}\n`);
  assertMatch(
    await listener.waitForLine(/says/),
    /^The client at 127\.0\.0\.1:\d+ says: lights out$/,
  );
});

Deno.test("minimal broadcast_sender sends to the broadcast address, not to 127.0.0.1", async () => {
  // A socket bound to 127.0.0.1 hears what is sent to 127.0.0.1, but not a
  // broadcast: only one bound to 0.0.0.0 does.
  await using unicast = stubServer();
  const sender = await runScript(minimal("broadcast_sender"), [unicast.port]);
  assertEquals(sender.code, 0, sender.stderr);
  await sleep(300);
  assertEquals(unicast.requests.length, 0);
});

Deno.test("minimal broadcast_listener escapes control and bidi characters", async () => {
  await using listener = await startScript(minimal("broadcast_listener"), [
    "0",
  ]);
  using conn = loopbackSocket();
  await conn.send(encode(HOSTILE), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: listener.address.port,
  });
  assertEquals(
    await listener.waitForLine(/says/),
    `The client at 127.0.0.1:${addressOf(conn).port} says: ${HOSTILE_SHOWN}`,
  );
});

// ------------------------------------------------- minimal and full, paired

Deno.test("a minimal client works against the full server, and a full client against the minimal one", async (t) => {
  for (const minimalSide of ["client", "server"]) {
    for (const talk of CONVERSATIONS) {
      const [client, server] = minimalSide === "client"
        ? [minimal(talk.client), talk.server]
        : [talk.client, minimal(talk.server)];
      await t.step(`${client} with ${server}`, async () => {
        await using running = await startScript(
          server,
          minimalSide === "server" ? ["0"] : ["--port", "0"],
        );
        await converse(talk, listening(running), (port, stdin) =>
          runScript(
            client,
            minimalSide === "client"
              ? [String(port)]
              : ["--port", String(port)],
            { stdin: encodeInput(stdin) },
          ));
      });
    }
  }
});
