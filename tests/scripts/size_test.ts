/**
 * size_server with size_client and improved_client, run as real processes.
 */
import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
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

Deno.test("improved_client gets its reply through size_server --drop 0.5 in nearly every run", async () => {
  await using server = await startScript("size_server", [
    "--port",
    "0",
    "--drop",
    "0.5",
  ]);
  const port = String(server.address.port);
  const runs = await Promise.all(
    Array.from(
      { length: 8 },
      () => runScript("improved_client", ["--port", port]),
    ),
  );
  const ok = runs.filter((r) =>
    r.code === 0 &&
    r.stdout.endsWith("The Server reply: Your data was 12 bytes\n")
  );
  // Each run fails only if all 5 attempts are dropped: 1 in 32.
  assertGreaterOrEqual(ok.length, 6, JSON.stringify(runs));
  const { stdout } = await server.stop();
  assertStringIncludes(stdout, "(--drop)");
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

Deno.test("improved_client ignores a reply from another port and prints only the server's", async () => {
  using server = loopbackSocket();
  using impostor = loopbackSocket();
  const port = addressOf(server).port;
  const request = server.receive();
  const client = runScript("improved_client", ["--port", String(port)]);
  const [, addr] = await within(5_000, "the request", request);
  await impostor.send(encode("FAKE reply"), addr);
  await server.send(encode("Your data was 12 bytes"), addr);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0);
  assertStringIncludes(stdout, "The Server reply: Your data was 12 bytes\n");
  assertEquals(stdout.includes("FAKE"), false);
  const impostorPort = addressOf(impostor).port;
  assertStringIncludes(
    stderr,
    `ignored 10 bytes from 127.0.0.1:${impostorPort}: not the server`,
  );
});

Deno.test("improved_client --jitter waits a random time up to each doubled delay", async () => {
  using silent = loopbackSocket();
  const { code, stdout } = await runScript("improved_client", [
    "--port",
    String(addressOf(silent).port),
    "--jitter",
  ]);
  assertEquals(code, 1);
  const waits = [...stdout.matchAll(/waiting (\d+\.\d\d) s/g)].map((m) =>
    Number(m[1])
  );
  assertEquals(waits.length, 5);
  waits.forEach((wait, i) =>
    assert(wait <= 0.1 * 2 ** i, `wait ${i + 1} was ${wait} s`)
  );
});
