import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { CliError } from "../../lib/flags.ts";
import {
  type Datagram,
  noReply,
  openClient,
  requestWithBackoff,
  resolveTarget,
  type UdpClient,
} from "../../lib/request.ts";
import {
  addressOf,
  decode,
  encode,
  loopbackSocket,
  within,
} from "../_helpers.ts";
import { libUrl, runCode } from "./_subprocess.ts";

/** Receives one datagram on a fake server, within a bound. */
function receiveOn(conn: Deno.DatagramConn, what = "a request") {
  return within(5_000, what, conn.receive()) as Promise<
    [Uint8Array, Deno.NetAddr]
  >;
}

Deno.test("resolveTarget() resolves the host of a server", async (t) => {
  await t.step("an IPv4 address is kept as it is", async () => {
    assertEquals(await resolveTarget("127.0.0.1", 8888), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: 8888,
    });
    assertEquals(
      (await resolveTarget("255.255.255.255", 6666)).hostname,
      "255.255.255.255",
    );
  });
  await t.step("an IPv6 address is put in its short form", async () => {
    assertEquals(await resolveTarget("0:0:0:0:0:0:0:1", 7), {
      transport: "udp",
      hostname: "::1",
      port: 7,
    });
    assertEquals(
      (await resolveTarget("FE80:0:0::0001", 7)).hostname,
      "fe80::1",
    );
  });
  await t.step("an IPv6 address in brackets", async () => {
    assertEquals((await resolveTarget("[::1]", 7)).hostname, "::1");
  });
  await t.step("a malformed IPv6 address is a CliError", async () => {
    await assertRejects(
      () => resolveTarget("::g", 7),
      CliError,
      '"::g" is not a valid IPv6 address',
    );
    await assertRejects(() => resolveTarget("1:2:3", 7), CliError);
  });
});

Deno.test("openClient() sends from the family of its target and gets the reply", async (t) => {
  const cases = [
    ["127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
    ["0:0::1", "::1"], // written long, sent to its short form
  ];
  for (const [host, hostname] of cases) {
    await t.step(host, async () => {
      using server = loopbackSocket(hostname);
      using client = await openClient(host, addressOf(server).port);
      assertEquals(client.target, { ...addressOf(server), hostname });
      await client.send(encode("ping"));
      const [data, from] = await receiveOn(server);
      assertEquals(decode(data), "ping");
      // The request came from a socket of the target's family.
      assertEquals(from.hostname, hostname);
      await server.send(encode("pong"), from);
      const reply = await client.receive(5_000);
      assertEquals(reply && decode(reply.data), "pong");
      assertEquals(reply?.addr, addressOf(server));
    });
  }
});

Deno.test("resolveTarget() and openClient() reach a server at localhost", async () => {
  // In a process of its own: looking up a name needs a permission
  // (--allow-net=localhost) that these tests do not otherwise have.
  const result = await runCode(
    `import { openClient, resolveTarget } from "${libUrl("request.ts")}";
const { hostname } = await resolveTarget("localhost", 0);
const server = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
const client = await openClient("localhost", server.addr.port);
await client.send(new TextEncoder().encode("ping"));
const [, from] = await server.receive();
await server.send(new TextEncoder().encode("pong"), from);
const reply = await client.receive(5000);
client.close();
server.close();
console.log(JSON.stringify({
  hostname,
  target: client.target.hostname,
  reply: reply && new TextDecoder().decode(reply.data),
}));`,
    { permissions: ["--allow-net=localhost,127.0.0.1,[::1]"] },
  );
  assertEquals(result.stderr, "");
  const { hostname, target, reply } = JSON.parse(result.stdout);
  assert(
    ["127.0.0.1", "::1"].includes(hostname),
    `localhost resolved to ${hostname}`,
  );
  assertEquals(target, hostname);
  assertEquals(reply, "pong");
});

Deno.test("UdpClient.receive() returns undefined when the time is up", async (t) => {
  using server = loopbackSocket();
  using client = await openClient("127.0.0.1", addressOf(server).port);
  await t.step("a short wait in silence", async () => {
    assertEquals(await client.receive(20), undefined);
  });
  await t.step("no wait at all", async () => {
    assertEquals(await client.receive(0), undefined);
    assertEquals(await client.receive(-1), undefined);
  });
  await t.step(
    "a datagram that comes later is kept for the next call",
    async () => {
      await client.send(encode("ping"));
      const [, from] = await receiveOn(server);
      await server.send(encode("late"), from);
      const reply = await client.receive(5_000);
      assertEquals(reply && decode(reply.data), "late");
    },
  );
});

Deno.test("UdpClient.receive() ignores datagrams from another port and reports them", async (t) => {
  using server = loopbackSocket();
  using stranger = loopbackSocket();
  using client = await openClient("127.0.0.1", addressOf(server).port);
  await client.send(encode("ping"));
  const [, clientAddr] = await receiveOn(server);

  await t.step("only the target's reply is returned", async () => {
    await stranger.send(encode("spoof"), clientAddr);
    await server.send(encode("real"), clientAddr);
    const ignored: Datagram[] = [];
    const reply = await client.receive(5_000, {
      onIgnored: (datagram) => ignored.push(datagram),
    });
    assertEquals(reply && decode(reply.data), "real");
    assertEquals(ignored.length, 1);
    assertEquals(decode(ignored[0].data), "spoof");
    assertEquals(ignored[0].addr, addressOf(stranger));
  });
  await t.step("ignoring is quiet without onIgnored", async () => {
    await stranger.send(encode("spoof"), clientAddr);
    await server.send(encode("real"), clientAddr);
    const reply = await client.receive(5_000);
    assertEquals(reply && decode(reply.data), "real");
  });
  await t.step(
    "a stranger's datagram does not end the wait early",
    async () => {
      await stranger.send(encode("spoof"), clientAddr);
      assertEquals(await client.receive(50), undefined);
    },
  );
  await t.step("onlyFromTarget: false accepts any sender", async () => {
    await stranger.send(encode("anyone"), clientAddr);
    const reply = await client.receive(5_000, { onlyFromTarget: false });
    assertEquals(reply && decode(reply.data), "anyone");
    assertEquals(reply?.addr, addressOf(stranger));
  });
});

Deno.test("UdpClient.close() ends a pending receive and may be called twice", async () => {
  using server = loopbackSocket();
  const client = await openClient("127.0.0.1", addressOf(server).port);
  assertEquals(await client.receive(10), undefined); // leaves a receive pending
  client.close();
  client.close();
});

Deno.test("requestWithBackoff() doubles its wait after each silence, then gives up", async () => {
  using server = loopbackSocket(); // never answers
  using client = await openClient("127.0.0.1", addressOf(server).port);
  const attempts: [number, number][] = [];
  const reply = await requestWithBackoff(client, encode("anyone?"), {
    initialDelayMs: 10,
    maxDelayMs: 160,
    onAttempt: (attempt, waitMs) => attempts.push([attempt, waitMs]),
  });
  assertEquals(reply, undefined);
  assertEquals(attempts, [[1, 10], [2, 20], [3, 40], [4, 80], [5, 160]]);
  // Each attempt sent the request once.
  for (let i = 0; i < attempts.length; i++) {
    const [data] = await receiveOn(server, `request ${i + 1}`);
    assertEquals(decode(data), "anyone?");
  }
});

Deno.test("requestWithBackoff() waits as the original does: 100 ms to 1.6 s", async () => {
  // The schedule alone, with a client that answers nothing and waits no time.
  const waits: number[] = [];
  const silent: UdpClient = {
    target: { transport: "udp", hostname: "127.0.0.1", port: 1 },
    send: () => Promise.resolve(),
    receive: () => Promise.resolve(undefined),
    close: () => {},
    [Symbol.dispose]: () => {},
  };
  const reply = await requestWithBackoff(silent, new Uint8Array(), {
    initialDelayMs: 100,
    maxDelayMs: 2000,
    onAttempt: (_, waitMs) => waits.push(waitMs),
  });
  assertEquals(reply, undefined);
  assertEquals(waits, [100, 200, 400, 800, 1600]);
});

Deno.test("requestWithBackoff() with jitter waits a random part of each delay", async (t) => {
  await t.step("the waits come from the random source given", async () => {
    using server = loopbackSocket();
    using client = await openClient("127.0.0.1", addressOf(server).port);
    const draws = [0.5, 0.25, 1, 0, 0.125];
    let calls = 0;
    const waits: number[] = [];
    const reply = await requestWithBackoff(client, encode("x"), {
      initialDelayMs: 8,
      maxDelayMs: 128,
      jitter: true,
      random: () => draws[calls++],
      onAttempt: (_, waitMs) => waits.push(waitMs),
    });
    assertEquals(reply, undefined);
    assertEquals(calls, 5);
    assertEquals(waits, [4, 4, 32, 0, 16]);
  });
  await t.step("without jitter the random source is not used", async () => {
    using server = loopbackSocket();
    using client = await openClient("127.0.0.1", addressOf(server).port);
    const reply = await requestWithBackoff(client, encode("x"), {
      initialDelayMs: 5,
      maxDelayMs: 10,
      random: () => {
        throw new Error("random() called without jitter");
      },
    });
    assertEquals(reply, undefined);
  });
});

Deno.test("requestWithBackoff() returns a reply that comes at once", async () => {
  using server = loopbackSocket();
  using client = await openClient("127.0.0.1", addressOf(server).port);
  const attempts: number[] = [];
  const requesting = requestWithBackoff(client, encode("ping"), {
    initialDelayMs: 5_000,
    maxDelayMs: 5_000,
    onAttempt: (attempt) => attempts.push(attempt),
  });
  const [data, from] = await receiveOn(server);
  await server.send(encode(`pong to ${decode(data)}`), from);
  const reply = await within(6_000, "the reply", requesting);
  assertEquals(reply && decode(reply.data), "pong to ping");
  assertEquals(attempts, [1]);
});

Deno.test("requestWithBackoff() returns a late reply to its first request: one receive is kept across retries", async () => {
  // The fake server answers request 1 only once request 2 has come, that is
  // after the client's first wait has passed and it has sent again. Then it
  // answers request 2 too.
  using server = loopbackSocket();
  using client = await openClient("127.0.0.1", addressOf(server).port);
  const attempts: number[] = [];
  const requesting = requestWithBackoff(client, encode("ping"), {
    initialDelayMs: 20,
    maxDelayMs: 5_000,
    onAttempt: (attempt) => attempts.push(attempt),
  });
  const [, from] = await receiveOn(server, "request 1");
  await receiveOn(server, "request 2");
  await server.send(encode("late reply to request 1"), from);
  await server.send(encode("reply to request 2"), from);

  const reply = await within(10_000, "the late reply", requesting);
  assertEquals(reply && decode(reply.data), "late reply to request 1");
  assert(attempts.length >= 2, `attempts: ${attempts}`);
  // No receive() was left behind to swallow what comes next.
  const next = await client.receive(5_000);
  assertEquals(next && decode(next.data), "reply to request 2");
});

Deno.test("requestWithBackoff() ignores a reply from another port and reports it", async () => {
  using server = loopbackSocket();
  using stranger = loopbackSocket();
  using client = await openClient("127.0.0.1", addressOf(server).port);
  const ignored: string[] = [];
  const requesting = requestWithBackoff(client, encode("ping"), {
    initialDelayMs: 5_000,
    maxDelayMs: 5_000,
    onIgnored: ({ data, addr }) =>
      ignored.push(`${decode(data)} from ${addr.port}`),
  });
  const [, from] = await receiveOn(server);
  await stranger.send(encode("spoof"), from);
  await server.send(encode("real"), from);
  const reply = await within(6_000, "the reply", requesting);
  assertEquals(reply && decode(reply.data), "real");
  assertEquals(ignored, [`spoof from ${addressOf(stranger).port}`]);
});

Deno.test("Deno: of two receive() calls pending on one socket, one datagram satisfies only one", async (t) => {
  // Why UdpClient keeps one pending receive(): measured with Deno 2.9.
  using sender = loopbackSocket();
  using conn = loopbackSocket();
  const to = addressOf(conn);
  const settled: string[] = [];
  const track = (name: string, promise: Promise<[Uint8Array, Deno.Addr]>) =>
    promise.then(
      ([data]) => settled.push(`${name} got ${decode(data)}`),
      (error) => settled.push(`${name} ended with ${error.name}`),
    );
  const first = track("first", conn.receive());
  const second = track("second", conn.receive());

  await t.step("the later receive() gets the datagram", async () => {
    await sender.send(encode("one"), to);
    await within(
      5_000,
      "a receive() to get the datagram",
      Promise.race([first, second]),
    );
    assertEquals(settled, ["second got one"]);
  });
  await t.step("the earlier one is still pending", async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(settled, ["second got one"]);
  });
  await t.step("closing the socket ends it", async () => {
    conn.close();
    await within(5_000, "the pending receive() to end", first);
    assertEquals(settled, ["second got one", "first ended with Interrupted"]);
  });
});

Deno.test("Deno: a receive() left pending takes the next datagram", async () => {
  // So a client that started a new receive() per attempt would lose the
  // datagram after the one it was waiting for.
  using sender = loopbackSocket();
  using conn = loopbackSocket();
  const to = addressOf(conn);
  const abandoned = conn.receive();
  const current = conn.receive();
  await sender.send(encode("one"), to);
  await sender.send(encode("two"), to);
  const [[a], [b]] = await within(
    5_000,
    "both datagrams",
    Promise.all([current, abandoned]),
  );
  assertEquals([decode(a), decode(b)], ["one", "two"]);
});

Deno.test("noReply() says who did not answer and what to try", async (t) => {
  await t.step("IPv4", () => {
    const error = noReply(
      { transport: "udp", hostname: "127.0.0.1", port: 8888 },
      5,
      "echo_server",
    );
    assert(error instanceof CliError);
    assertEquals(error.exitCode, 1);
    assertEquals(
      error.message,
      "no reply from 127.0.0.1:8888 within 5 s; is echo_server running there? (--timeout to wait longer)",
    );
  });
  await t.step("IPv6 in brackets", () => {
    const error = noReply(
      { transport: "udp", hostname: "::1", port: 12345 },
      0.5,
      "time_server",
    );
    assertStringIncludes(
      error.message,
      "no reply from [::1]:12345 within 0.5 s",
    );
  });
});
