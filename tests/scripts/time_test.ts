/**
 * time_server and time_client, run as real processes on loopback.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { ctime, decodeTime, encodeTime } from "../../lib/time.ts";
import {
  addressOf,
  encode,
  exchange,
  loopbackSocket,
  runScript,
  startScript,
  within,
} from "../_helpers.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

Deno.test("time_server answers any datagram with 4 bytes of RFC 868 time", async () => {
  await using server = await startScript("time_server", ["--port", "0"]);
  const reply = await exchange(server.address, encode("what time is it?"));
  assertEquals(reply.length, 4);
  const skew = Math.abs(decodeTime(reply).getTime() - Date.now());
  assert(skew < 5_000, `time off by ${skew} ms`);
  assertMatch(
    await server.waitForLine(/^Time requested by/),
    /^Time requested by 127\.0\.0\.1:\d+$/,
  );
});

Deno.test("time_server --yesterday answers with the time one day ago", async () => {
  await using server = await startScript("time_server", [
    "--port",
    "0",
    "--yesterday",
  ]);
  const reply = await exchange(server.address, new Uint8Array());
  const skew = Math.abs(decodeTime(reply).getTime() - (Date.now() - DAY_MS));
  assert(skew < 5_000, `time off by ${skew} ms`);
});

Deno.test("time_client prints today's date from time_server", async () => {
  await using server = await startScript("time_server", ["--port", "0"]);
  const before = new Date();
  const { code, stdout } = await runScript("time_client", [
    "--port",
    String(server.address.port),
  ]);
  assertEquals(code, 0);
  // TZ=UTC in the child, so its local time is UTC.
  const printed = stdout.trim();
  const candidates = [-1, 0, 1, 2].map((s) =>
    ctime(new Date(before.getTime() + s * 1000), { utc: true })
  );
  assert(candidates.includes(printed), `${printed} is not about now`);
});

/** A one-shot fake server: answers the first datagram with `reply`. */
async function fakeServer(
  reply: Uint8Array,
  run: (port: number) => Promise<void>,
): Promise<Uint8Array> {
  using conn = loopbackSocket();
  const request = conn.receive();
  const client = run(addressOf(conn).port);
  const [data, addr] = await within(5_000, "the client's request", request);
  await conn.send(reply, addr);
  await client;
  return data;
}

Deno.test("time_client sends an empty datagram and reads a 2040 date correctly", async () => {
  let result = { code: -1, stdout: "" };
  const request = await fakeServer(
    encodeTime(new Date("2040-06-01T12:00:00Z")),
    async (port) => {
      result = await runScript("time_client", [
        "--port",
        String(port),
        "--utc",
      ]);
    },
  );
  assertEquals(request.length, 0);
  assertEquals(result.code, 0);
  assertEquals(result.stdout, "Fri Jun  1 12:00:00 2040\n");
});

Deno.test("time_client rejects a reply that is not 4 bytes, with its length and hex dump", async (t) => {
  const cases: [string, number[], string][] = [
    ["5 bytes", [1, 2, 3, 0xab, 0xff], "01 02 03 ab ff"],
    // Too short to be a time: letting it through must fail this step.
    ["3 bytes", [0xda, 0x98, 0xeb], "da 98 eb"],
  ];
  for (const [size, bytes, hex] of cases) {
    await t.step(size, async () => {
      let result = { code: -1, stdout: "", stderr: "" };
      await fakeServer(new Uint8Array(bytes), async (port) => {
        result = await runScript("time_client", [
          "--port",
          String(port),
          "--timeout",
          "0.5",
        ]);
      });
      assertEquals(result.code, 1);
      assertEquals(result.stdout, "");
      assertEquals(result.stderr.trimEnd().split("\n"), [
        `ignored a reply of ${size}, not a 4-byte time: ${hex}`,
        `time_client: no 4-byte time within 0.5 s; the last reply was ${size}: ${hex}`,
      ]);
    });
  }
});

Deno.test("time_client --message sends text instead of an empty datagram", async () => {
  const request = await fakeServer(encodeTime(new Date()), async (port) => {
    await runScript("time_client", [
      "--port",
      String(port),
      "--message",
      "now?",
    ]);
  });
  assertEquals(new TextDecoder().decode(request), "now?");
});

Deno.test("time_client skips a reply that is not 4 bytes and one not from the server, then prints the time", async () => {
  using server = loopbackSocket();
  using stranger = loopbackSocket();
  const client = runScript("time_client", [
    "--port",
    String(addressOf(server).port),
    "--utc",
  ]);
  const [, from] = await within(5_000, "the request", server.receive());
  await stranger.send(encodeTime(new Date("2040-06-01T12:00:00Z")), from);
  await server.send(new Uint8Array([1, 2, 3, 0xab, 0xff]), from);
  // 0xda98ebe5: 2016-03-20T09:29:09Z, the date of the original's transcript.
  await server.send(new Uint8Array([0xda, 0x98, 0xeb, 0xe5]), from);
  const { code, stdout, stderr } = await client;
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "Sun Mar 20 09:29:09 2016\n");
  assertEquals(
    stderr,
    `ignored 4 bytes from 127.0.0.1:${
      addressOf(stranger).port
    }: not the server\n` +
      "ignored a reply of 5 bytes, not a 4-byte time: 01 02 03 ab ff\n",
  );
});

Deno.test("time_client refuses --utc with --iso with one line and exit 2", async () => {
  const { code, stdout, stderr } = await runScript("time_client", [
    "--utc",
    "--iso",
  ]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(stderr, "--utc and --iso cannot be given together");
});

Deno.test("time_client refuses an empty --host with one line and exit 2", async () => {
  const { code, stderr } = await runScript("time_client", ["--host", ""]);
  assertEquals(code, 2);
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(stderr, "--host must not be empty");
});
