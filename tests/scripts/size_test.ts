/**
 * size_server with size_client and improved_client, run as real processes.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import {
  addressOf,
  decode,
  encode,
  exchange,
  loopbackSocket,
  runScript,
  startScript,
  within,
} from "../_helpers.ts";

Deno.test("size_server answers with the byte length, not the character count", async (t) => {
  await using server = await startScript("size_server", ["--port", "0"]);
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(), "Your data was 0 bytes"],
    [encode("hello world!"), "Your data was 12 bytes"],
    [encode("héllo"), "Your data was 6 bytes"],
    [new Uint8Array(2000), "Your data was 2000 bytes"],
  ];
  for (const [payload, answer] of cases) {
    await t.step(answer, async () => {
      assertEquals(decode(await exchange(server.address, payload)), answer);
    });
  }
  assertMatch(
    await server.waitForLine(/says: hello world!$/),
    /^The client at 127\.0\.0\.1:\d+ says: hello world!$/,
  );
});

Deno.test("size_client prints what it sent and the server's reply", async () => {
  await using server = await startScript("size_server", ["--port", "0"]);
  const { code, stdout } = await runScript("size_client", [
    "--port",
    String(server.address.port),
  ]);
  assertEquals(code, 0);
  assertEquals(
    stdout,
    "Sent to server: hello world!\nThe Server reply: Your data was 12 bytes\n",
  );
});

Deno.test("size_client takes only the reply that gives this message's size, from the server", async () => {
  using server = loopbackSocket();
  using impostor = loopbackSocket();
  const port = addressOf(server).port;
  const request = server.receive();
  const client = runScript("size_client", ["--port", String(port)]);
  const [data, addr] = await within(5_000, "the request", request);
  assertEquals(decode(data), "hello world!");
  await impostor.send(encode("Your data was 12 bytes"), addr);
  await server.send(encode("Your data was 5 bytes"), addr);
  await server.send(encode("Your data was 12 bytes"), addr);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(
    stdout,
    "Sent to server: hello world!\nThe Server reply: Your data was 12 bytes\n",
  );
  assertEquals(stderr.trimEnd().split("\n"), [
    `ignored 22 bytes from 127.0.0.1:${
      addressOf(impostor).port
    }: not the server`,
    "ignored a reply that does not give this message's size (12 bytes): Your data was 5 bytes",
  ]);
});

// mulberry32 with seed 3, drawn per request against --drop 0.5: "a" answered,
// "D" dropped. No five drops in a row, so every run of the client gets through.
const SEED_3_DROPS = "aDDDaDDDDaDDaDaaDaDaaaaD";

Deno.test("size_server --drop 0.5 --seed 3 drops exactly the seeded requests, and improved_client retries through them", async () => {
  await using server = await startScript("size_server", [
    "--port",
    "0",
    "--drop",
    "0.5",
    "--seed",
    "3",
  ]);
  const port = String(server.address.port);
  // One run at a time, so the server sees the requests in a known order.
  const attempts: number[] = [];
  for (let run = 0; run < 4; run++) {
    const { code, stdout, stderr } = await runScript("improved_client", [
      "--port",
      port,
    ]);
    assertEquals(code, 0, stderr);
    assert(
      stdout.endsWith("The Server reply: Your data was 12 bytes\n"),
      stdout,
    );
    attempts.push(stdout.match(/^Attempt \d+: /gm)?.length ?? 0);
  }
  const { stdout } = await server.stop();
  const lines = stdout.trimEnd().split("\n").slice(1);
  // Each request the server saw, in order, was dropped exactly when the seed
  // says so, whatever the timing.
  const decisions = lines.map((line) => {
    if (/^Dropped a request from 127\.0\.0\.1:\d+ \(--drop\)$/.test(line)) {
      return "D";
    }
    assertMatch(line, /^The client at 127\.0\.0\.1:\d+ says: hello world!$/);
    return "a";
  }).join("");
  assertEquals(decisions, SEED_3_DROPS.slice(0, decisions.length));
  // Every attempt a client printed reached the server from that client's
  // port, and each client stopped at an answered one: 1, 4, 5 and 3 attempts
  // when each reply comes within its wait (a late one adds an attempt).
  assertEquals(decisions.length, attempts.reduce((sum, n) => sum + n, 0));
  let next = 0;
  for (const count of attempts) {
    const group = lines.slice(next, next + count);
    const ports = group.map((line) => /127\.0\.0\.1:(\d+) /.exec(line)?.[1]);
    assertEquals(new Set(ports).size, 1, `one client port: ${ports}`);
    assertStringIncludes(decisions.slice(next, next + count), "a");
    next += count;
  }
});

Deno.test("improved_client gives up on a silent port after waits of 0.1 to 1.6 s", async () => {
  using silent = loopbackSocket();
  const port = addressOf(silent).port;
  const { code, stdout, stderr } = await runScript("improved_client", [
    "--port",
    String(port),
  ]);
  assertEquals(code, 1);
  assertEquals(
    stdout.trimEnd().split("\n"),
    ["0.10", "0.20", "0.40", "0.80", "1.60"].map((wait, i) =>
      `Attempt ${i + 1}: sent to 127.0.0.1:${port}, waiting ${wait} s`
    ),
  );
  assertStringIncludes(stderr, "after 5 attempts over 3.1 s");
  assertStringIncludes(stderr, "the server seems to be down");
});

Deno.test("improved_client ignores the right answer from another port, and a wrong one from the server, and prints only the server's answer", async () => {
  using server = loopbackSocket();
  using impostor = loopbackSocket();
  const port = addressOf(server).port;
  const request = server.receive();
  const client = runScript("improved_client", ["--port", String(port)]);
  const [, addr] = await within(5_000, "the request", request);
  // The impostor sends the very answer the client waits for, from the
  // server's address but not its port: only the port gives it away.
  await impostor.send(encode("Your data was 12 bytes"), addr);
  await server.send(encode("Your data was 99 bytes"), addr);
  await server.send(encode("Your data was 12 bytes"), addr);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertStringIncludes(stdout, "The Server reply: Your data was 12 bytes\n");
  assertEquals(stderr.trimEnd().split("\n"), [
    `ignored 22 bytes from 127.0.0.1:${
      addressOf(impostor).port
    }: not the server`,
    "ignored a reply that does not give this message's size (12 bytes): Your data was 99 bytes",
  ]);
});

Deno.test("improved_client says why a server on 0.0.0.0 answers a client aimed at 127.0.0.2 from 127.0.0.1", async () => {
  await using server = await startScript("size_server", [
    "--host",
    "0.0.0.0",
    "--port",
    "0",
  ]);
  const port = server.address.port;
  const { code, stdout, stderr } = await runScript("improved_client", [
    "--host",
    "127.0.0.2",
    "--port",
    String(port),
    "--max-delay",
    "0.4",
  ]);
  assertEquals(code, 1);
  assertEquals(stdout.trimEnd().split("\n").length, 3, stdout);
  const why = "a server bound to 0.0.0.0 (or ::) answers from the address " +
    "the system picks for the route back; aim at 127.0.0.1 (--host " +
    "127.0.0.1) or bind the server to 127.0.0.2";
  // The first answer is named at once, the two after it within the second
  // are counted.
  const ignored = `22 bytes from 127.0.0.1:${port}: the answer, but not ` +
    `from 127.0.0.2:${port}, the address asked; ${why}`;
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 3, stderr);
  assertEquals(lines[0], `ignored ${ignored}`);
  assertEquals(lines[1], `ignored 2 more datagrams; the last: ${ignored}`);
  assertEquals(
    lines[2],
    `improved_client: no reply from 127.0.0.2:${port} after 3 attempts ` +
      `over 0.7 s; the answers came from 127.0.0.1 instead: ${why}`,
  );
});

Deno.test("improved_client waits of a ten-millionth of a second print no warning, only the one line of giving up", async () => {
  using silent = loopbackSocket();
  const { code, stdout, stderr } = await runScript("improved_client", [
    "--port",
    String(addressOf(silent).port),
    "--initial-delay",
    "0.0000001",
    "--max-delay",
    "0.0000004",
  ]);
  assertEquals(code, 1);
  assertEquals(stdout.trimEnd().split("\n").length, 3, stdout);
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(stderr, "after 3 attempts over 0.0 s");
});

Deno.test("improved_client refuses waits that would send nothing, in one line", async () => {
  const { code, stdout, stderr } = await runScript("improved_client", [
    "--initial-delay",
    "5",
    "--max-delay",
    "1",
  ]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(
    stderr,
    "--initial-delay (5 s) is longer than --max-delay (1 s), so no attempt would be sent",
  );
});

Deno.test("size_client and improved_client refuse an empty host and an oversized message in one line", async (t) => {
  const big = "x".repeat(65_508);
  for (const name of ["size_client", "improved_client"]) {
    for (
      const [args, message] of [
        [["--host", ""], "--host must not be empty"],
        [
          ["--message", big],
          "a message of 65508 bytes does not fit in one datagram (65,507 at most)",
        ],
      ] as const
    ) {
      await t.step(`${name} ${args[0]}`, async () => {
        const { code, stdout, stderr } = await runScript(name, [...args]);
        assertEquals(code, 2);
        assertEquals(stdout, "");
        assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
        assertStringIncludes(stderr, message);
      });
    }
  }
});
