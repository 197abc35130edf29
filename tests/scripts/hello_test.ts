/**
 * hello_server and hello_client, run as real processes on loopback.
 */
import {
  assertEquals,
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
  runScript,
  startScript,
  within,
} from "../_helpers.ts";

Deno.test("hello_server answers Hello, NAME! and logs the client's address", async () => {
  await using server = await startScript("hello_server", ["--port", "0"]);
  assertEquals(
    decode(await exchange(server.address, encode("Ada"))),
    "Hello, Ada!",
  );
  assertMatch(
    await server.waitForLine(/^Received from/),
    /^Received from 127\.0\.0\.1:\d+\.$/,
  );
});

Deno.test("hello_server keeps the name's bytes, invalid UTF-8 included", async () => {
  await using server = await startScript("hello_server", ["--port", "0"]);
  const name = new Uint8Array([0xfe, 0x41]);
  assertEquals(
    await exchange(server.address, name),
    concat(encode("Hello, "), name, encode("!")),
  );
});

Deno.test("hello_client sends the original's three names, one reply per line", async () => {
  await using server = await startScript("hello_server", ["--port", "0"]);
  const { code, stdout } = await runScript("hello_client", [
    "--port",
    String(server.address.port),
  ]);
  assertEquals(code, 0);
  assertEquals(stdout, "Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n");
  const { stdout: log } = await server.stop();
  assertEquals(
    log.split("\n").filter((l) => l.startsWith("Received")).length,
    3,
  );
});

Deno.test("hello_client gives up on a silent port with exit 1", async () => {
  using silent = loopbackSocket();
  const { code, stderr } = await runScript("hello_client", [
    "--port",
    String(addressOf(silent).port),
    "--timeout",
    "0.2",
  ]);
  assertEquals(code, 1);
  assertMatch(
    stderr,
    /^hello_client: no reply from 127\.0\.0\.1:\d+ within 0\.2 s/,
  );
});

Deno.test("hello_client skips a repeated greeting, so every later line stays in step", async () => {
  using server = loopbackSocket();
  const client = runScript("hello_client", [
    "--port",
    String(addressOf(server).port),
  ]);
  // A fake server that answers every name twice, as a duplicating network would.
  for (let i = 0; i < 3; i++) {
    const [name, from] = await within(5_000, "a name", server.receive());
    const greeting = concat(encode("Hello, "), name, encode("!"));
    await server.send(greeting, from);
    await server.send(greeting, from);
  }
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n");
  assertStringIncludes(
    stderr,
    "ignored a reply that does not greet Tracy: Hello, Michael!\n",
  );
  assertStringIncludes(
    stderr,
    "ignored a reply that does not greet Sarah: Hello, Tracy!\n",
  );
});

Deno.test("hello_client ignores a greeting from another sender and waits for the server's", async () => {
  using server = loopbackSocket();
  using stranger = loopbackSocket();
  const client = runScript("hello_client", [
    "--port",
    String(addressOf(server).port),
    "Ada",
  ]);
  const [name, from] = await within(5_000, "the name", server.receive());
  assertEquals(decode(name), "Ada");
  await stranger.send(encode("Hello, Ada!"), from);
  await server.send(encode("Hello, Ada!"), from);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "Hello, Ada!\n");
  assertEquals(
    stderr,
    `ignored 11 bytes from 127.0.0.1:${
      addressOf(stranger).port
    }: not the server\n`,
  );
});

Deno.test("hello_client refuses a name too big for one datagram with one line and exit 2", async () => {
  using server = loopbackSocket();
  const { code, stdout, stderr } = await runScript("hello_client", [
    "--port",
    String(addressOf(server).port),
    "Ada",
    "x".repeat(65_508),
  ]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(
    stderr,
    "a name of 65508 bytes does not fit in one datagram (65,507 at most)",
  );
});

Deno.test("hello_client refuses an empty --host with one line and exit 2", async () => {
  const { code, stderr } = await runScript("hello_client", ["--host", ""]);
  assertEquals(code, 2);
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(stderr, "--host must not be empty");
});
