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
  sleep,
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

Deno.test("echo_client refuses 32 MiB with no newline in one line and exit 1, sending nothing", async () => {
  using silent = loopbackSocket();
  const received = silent.receive();
  const { code, stdout, stderr } = await runScript("echo_client", [
    "--port",
    String(addressOf(silent).port),
  ], { stdin: new Uint8Array(32 * 1024 * 1024).fill(0x61), timeoutMs: 20_000 });
  assertEquals([code, stdout, stderr], [
    1,
    "",
    "echo_client: a line of more than 65,507 bytes does not fit in one datagram\n",
  ]);
  const nothing = await Promise.race([received, sleep(200)]);
  assertEquals(nothing, undefined);
});

Deno.test("echo_client sends a line of 65,507 bytes, the most one datagram holds", async () => {
  using server = loopbackSocket();
  const line = new Uint8Array(65_507).fill(0x62);
  const client = runScript("echo_client", [
    "--port",
    String(addressOf(server).port),
    "--prefix",
    "",
  ], { stdin: concat(line, encode("\r\n")) });
  const [data, from] = await within(10_000, "the line", server.receive());
  assertEquals(data, line);
  await server.send(data, from);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertStringIncludes(stdout, "Server reply : bbbb");
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
  await server.send(encode("first"), from); // no prefix
  await server.send(encode("OK...first"), from);
  const [next] = await within(5_000, "the next line", server.receive());
  assertEquals(decode(next), "second");
  await server.send(encode("OK...first"), from); // a duplicate of the last
  await server.send(encode("xOK...second"), from); // ends with the echo
  await server.send(encode("OK...second!"), from); // starts with it
  await server.send(encode("OK...second"), from);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(
    stdout,
    "Server reply : OK...first\nServer reply : OK...second\n",
  );
  // The first is named at once; the rest, within the second, are counted.
  assertEquals(
    stderr,
    `ignored 10 bytes from 127.0.0.1:${
      addressOf(stranger).port
    }: not the server\n` +
      "ignored 5 more datagrams; the last: a reply that is not " +
      '"OK..." + this line: OK...second!\n',
  );
});

Deno.test("echo_client takes an empty line's echo only as the bare prefix", async () => {
  using server = loopbackSocket();
  const client = runScript("echo_client", [
    "--port",
    String(addressOf(server).port),
  ], { stdin: encode("\n") });
  const [line, from] = await within(5_000, "the line", server.receive());
  assertEquals(line.length, 0);
  await server.send(encode("anything"), from);
  await server.send(encode("OK...x"), from);
  await server.send(encode("OK.."), from);
  await server.send(encode("OK..."), from);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "Server reply : OK...\n");
});

/** Runs echo_client with `clientArgs` against echo_server with `serverArgs`. */
async function echoPair(
  serverArgs: string[],
  clientArgs: string[],
  stdin: string,
) {
  await using server = await startScript("echo_server", [
    "--port",
    "0",
    ...serverArgs,
  ]);
  const port = server.address.port;
  const result = await runScript("echo_client", [
    "--port",
    String(port),
    ...clientArgs,
  ], { stdin: encode(stdin) });
  return { ...result, port };
}

Deno.test('echo_client --prefix names the server\'s prefix; "" for a plain echo', async (t) => {
  for (
    const [prefix, replies, shown] of [
      ["", ["OK...hi", "hi"], "hi"],
      ["A", ["OK...hi", "hi", "Ahi"], "Ahi"],
    ] as const
  ) {
    await t.step(`--prefix ${JSON.stringify(prefix)}`, async () => {
      using server = loopbackSocket();
      const client = runScript("echo_client", [
        "--port",
        String(addressOf(server).port),
        "--prefix",
        prefix,
      ], { stdin: encode("hi\n") });
      const [, from] = await within(5_000, "the line", server.receive());
      for (const reply of replies) await server.send(encode(reply), from);
      const { code, stdout, stderr } = await client;
      assertEquals(code, 0, stderr);
      assertEquals(stdout, `Server reply : ${shown}\n`);
      assertEquals(stderr.trimEnd().split("\n").length, replies.length - 1);
    });
  }
  await t.step("against echo_server --prefix A", async () => {
    const { code, stdout, stderr } = await echoPair(
      ["--prefix", "A"],
      ["--prefix", "A"],
      "one\ntwo\n",
    );
    assertEquals(code, 0, stderr);
    assertEquals(stdout, "Server reply : Aone\nServer reply : Atwo\n");
  });
});

Deno.test("echo_client says to check --prefix when the server answers something else", async () => {
  const { code, stdout, stderr, port } = await echoPair(
    ["--prefix", ""],
    ["--timeout", "0.5"],
    "hello\n",
  );
  assertEquals(code, 1);
  assertEquals(stdout, "");
  assertEquals(stderr.trimEnd().split("\n"), [
    'ignored a reply that is not "OK..." + this line: hello',
    `echo_client: no echo of this line from 127.0.0.1:${port} ` +
    'within 0.5 s; does the server put "OK..." before it? ' +
    "(--prefix to say what it puts)",
  ]);
});
