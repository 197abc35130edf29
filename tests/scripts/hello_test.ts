/**
 * hello_server and hello_client, run as real processes on loopback.
 */
import { assertEquals, assertMatch } from "jsr:@std/assert@^1";
import {
  addressOf,
  concat,
  decode,
  encode,
  exchange,
  loopbackSocket,
  runScript,
  startScript,
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
