/**
 * echo_server and echo_client, run as real processes on loopback.
 */
import {
  assert,
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
  ROOT,
  runScript,
  startScript,
  within,
} from "../_helpers.ts";

const ESC = "\x1b";

Deno.test("echo_server answers OK... and the exact bytes, invalid UTF-8 included", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  const payload = new Uint8Array([0xff, 0x00, 0x41, 0xc3]);
  const reply = await exchange(server.address, payload);
  assertEquals(reply, concat(encode("OK..."), payload));
});

Deno.test("echo_server logs Message[ADDR:PORT] - PAYLOAD with the client's port", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  using conn = loopbackSocket();
  await conn.send(encode("hello\n"), server.address);
  const [reply] = await within(5_000, "the reply", conn.receive());
  assertEquals(decode(reply), "OK...hello\n");
  const port = addressOf(conn).port;
  await server.waitForLine(/^Message\[/);
  const { code, stdout } = await server.stop();
  assertEquals(code, 0);
  assertStringIncludes(stdout, `Message[127.0.0.1:${port}] - hello\n`);
});

Deno.test("echo_server works over IPv6 on ::1", async () => {
  await using server = await startScript("echo_server", [
    "--host",
    "::1",
    "--port",
    "0",
  ]);
  assertEquals(server.address.hostname, "::1");
  assertEquals(
    decode(await exchange(server.address, encode("six"))),
    "OK...six",
  );
  const line = await server.waitForLine(/^Message\[/);
  assertMatch(line, /^Message\[\[::1\]:\d+\] - six$/);
});

Deno.test('echo_server --prefix "" is a plain echo', async () => {
  await using server = await startScript("echo_server", [
    "--port",
    "0",
    "--prefix",
    "",
  ]);
  assertEquals(decode(await exchange(server.address, encode("ping"))), "ping");
});

Deno.test("echo_server keeps serving after an empty datagram (the original stopped)", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  assertEquals(
    decode(await exchange(server.address, new Uint8Array())),
    "OK...",
  );
  assertEquals(
    decode(await exchange(server.address, encode("again"))),
    "OK...again",
  );
});

Deno.test("echo_server logs escape sequences escaped, never raw", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  await exchange(server.address, encode(`${ESC}[2J\u202Eevil\x07`));
  const line = await server.waitForLine(/^Message\[/);
  assertStringIncludes(line, "\\x1b[2J\\u202eevil\\x07");
  const { stdout } = await server.stop();
  assert(!stdout.includes(ESC) && !stdout.includes("\u202E"));
});

Deno.test("echo_server survives a reply too big to send and keeps serving", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  using conn = loopbackSocket();
  await conn.send(new Uint8Array(65_507).fill(0x61), server.address);
  assertEquals(
    decode(await exchange(server.address, encode("still"))),
    "OK...still",
  );
  // It says once why it did not answer, instead of failing to send.
  const { stderr } = await server.stop();
  assertEquals(
    stderr,
    "not answering: a reply of 65512 bytes would not fit in one datagram\n",
  );
});

Deno.test("echo_server exits 0 on SIGINT and on SIGTERM", async (t) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    await t.step(signal, async () => {
      await using server = await startScript("echo_server", ["--port", "0"]);
      server.child.kill(signal);
      const status = await server.child.status;
      assertEquals(status.code, 0);
    });
  }
});

Deno.test("echo_client sends each input line and prints each reply, no prompt when piped", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  const { code, stdout, stderr } = await runScript("echo_client", [
    "--port",
    String(server.address.port),
  ], { stdin: encode("hello\nhow are you\n") });
  assertEquals(code, 0, stderr);
  assertEquals(
    stdout,
    "Server reply : OK...hello\nServer reply : OK...how are you\n",
  );
});

Deno.test("echo_client ends cleanly on empty input", async () => {
  const { code, stdout, stderr } = await runScript("echo_client", [], {
    stdin: new Uint8Array(),
  });
  assertEquals([code, stdout, stderr], [0, "", ""]);
});

Deno.test("echo_client gives up on a silent port with one line and exit 1", async () => {
  using silent = loopbackSocket();
  const port = String(addressOf(silent).port);
  const { code, stderr } = await runScript("echo_client", [
    "--port",
    port,
    "--timeout",
    "0.3",
  ], { stdin: encode("anyone?\n") });
  assertEquals(code, 1);
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(
    stderr,
    `no reply from 127.0.0.1:${port} within 0.3 s`,
  );
});

Deno.test("echo_client prompts when stdin is a terminal, and ends on Ctrl-D", async () => {
  // `script` (util-linux) runs the client on a pseudo-terminal.
  await using server = await startScript("echo_server", ["--port", "0"]);
  const client =
    `${Deno.execPath()} run -N scripts/echo_client.ts --port ${server.address.port}`;
  const child = new Deno.Command("script", {
    args: ["-qec", client, "/dev/null"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encode("hello\n"));
  await server.waitForLine(/^Message\[.*\] - hello$/);
  await writer.write(new Uint8Array([0x04])); // Ctrl-D: end of input
  await writer.close();
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const { code, stdout } = await child.output();
  clearTimeout(timer);
  assertEquals(code, 0);
  // The terminal echoes what was typed, before or after the first prompt.
  const shown = decode(stdout).replaceAll("\r\n", "\n").replace("hello\n", "");
  assertEquals(
    shown,
    "Enter message to send : Server reply : OK...hello\n" +
      "Enter message to send : \n",
  );
});

Deno.test("echo_client prints only the reply to its line, from the server, and says what it ignored", async () => {
  using server = loopbackSocket();
  using stranger = loopbackSocket();
  const client = runScript("echo_client", [
    "--port",
    String(addressOf(server).port),
  ], { stdin: encode("first\nsecond\n") });
  const [line, from] = await within(5_000, "a line", server.receive());
  assertEquals(decode(line), "first");
  await stranger.send(encode("OK...first"), from); // not the server
  await server.send(encode("OK...zzz"), from); // not this line's echo
  await server.send(encode("OK...first"), from);
  const [next] = await within(5_000, "the next line", server.receive());
  assertEquals(decode(next), "second");
  await server.send(encode("OK...first"), from); // a duplicate of the last
  await server.send(encode("second"), from); // a plain echo counts too
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "Server reply : OK...first\nServer reply : second\n");
  assertEquals(
    stderr,
    `ignored 10 bytes from 127.0.0.1:${
      addressOf(stranger).port
    }: not the server\n` +
      "ignored a reply that does not echo this line: OK...zzz\n" +
      "ignored a reply that does not echo this line: OK...first\n",
  );
});
