/**
 * broadcast_sender and broadcast_listener over 127.255.255.255, which never
 * leaves this machine, and every misuse of the sender as one line.
 */
import {
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { answered, runScript, startScript } from "../_helpers.ts";

Deno.test("broadcast_listener prints what broadcast_sender sends to 127.255.255.255", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--port",
    "0",
  ]);
  assertEquals(listener.address.hostname, "0.0.0.0");
  const port = String(listener.address.port);
  const sent = await runScript("broadcast_sender", [
    "--to",
    "127.255.255.255",
    "--port",
    port,
    "--count",
    "2",
    "--interval",
    "0.1",
  ]);
  assertEquals(sent.code, 0, sent.stderr);
  assertEquals(
    sent.stdout,
    `Sent "Broadcast message" to 127.255.255.255:${port} (1/2)\n` +
      `Sent "Broadcast message" to 127.255.255.255:${port} (2/2)\n`,
  );
  await listener.waitForLine(/says/);
  const { code, stdout } = await listener.stop();
  assertEquals(code, 0);
  const heard = stdout.split("\n").filter((line) => line.includes("says"));
  assertEquals(heard.length, 2);
  for (const line of heard) {
    assertMatch(
      line,
      /^The client at 127\.0\.0\.1:\d+ says: Broadcast message$/,
    );
  }
});

Deno.test("broadcast_sender sends --message", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--port",
    "0",
  ]);
  await runScript("broadcast_sender", [
    "--to",
    "127.255.255.255",
    "--port",
    String(listener.address.port),
    "--message",
    "lights out",
  ]);
  assertMatch(await listener.waitForLine(/says/), /says: lights out$/);
});

Deno.test("broadcast_sender sends to 127.255.255.255 when no --to is given", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--port",
    "0",
  ]);
  const port = String(listener.address.port);
  const sent = await runScript("broadcast_sender", ["--port", port]);
  assertEquals(sent.code, 0, sent.stderr);
  assertEquals(
    sent.stdout,
    `Sent "Broadcast message" to 127.255.255.255:${port} (1/1)\n`,
  );
  assertMatch(
    await listener.waitForLine(/says/),
    /^The client at 127\.0\.0\.1:\d+ says: Broadcast message$/,
  );
});

Deno.test("broadcast_sender --unicast sends to a single address", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ]);
  const port = String(listener.address.port);
  const sent = await runScript("broadcast_sender", [
    "--to",
    "127.0.0.1",
    "--unicast",
    "--port",
    port,
  ]);
  assertEquals(sent.code, 0, sent.stderr);
  assertEquals(
    sent.stdout,
    `Sent "Broadcast message" to 127.0.0.1:${port} (1/1)\n`,
  );
  assertMatch(await listener.waitForLine(/says/), /says: Broadcast message$/);
});

Deno.test("broadcast_sender sends a message of 65,507 bytes, the most one datagram holds", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--port",
    "0",
  ]);
  const sent = await runScript("broadcast_sender", [
    "--port",
    String(listener.address.port),
    "--message",
    "x".repeat(65_507),
  ]);
  assertEquals(sent.code, 0, sent.stderr);
  assertMatch(
    await listener.waitForLine(/says/),
    /^The client at 127\.0\.0\.1:\d+ says: x+ .*65,?507 bytes/,
  );
});

Deno.test("broadcast_sender refuses each misuse in one line, exit 2 for a mistake and 1 for a failure", async (t) => {
  const cases: [string[], number, RegExp][] = [
    [
      ["--to", "::1"],
      2,
      /--to must be an IPv4 address \(IPv6 has no broadcast\)/,
    ],
    [["--to", "::1", "--unicast"], 2, /IPv6 has no broadcast/],
    [["--to", ""], 2, /--to must not be empty/],
    [["--to", "nosuch.invalid"], 1, /cannot resolve "nosuch\.invalid"/],
    [
      ["--to", "127.0.0.1"],
      2,
      /--to 127\.0\.0\.1 is not a broadcast address .*add --unicast/,
    ],
    [
      ["--host", "::1"],
      2,
      /--host must be an IPv4 address \(IPv6 has no broadcast\)/,
    ],
    [["--host", ""], 2, /--host must not be empty/],
    [
      ["--host", "192.0.2.9"],
      1,
      /192\.0\.2\.9 is not an address of this machine/,
    ],
    [
      ["--port", "0"],
      2,
      /--port must be a whole number from 1 to 65535, not "0"/,
    ],
    [
      ["--message", "x".repeat(65_508)],
      2,
      /--message is 65,508 bytes; one datagram holds 65,507 at most/,
    ],
  ];
  for (const [args, exitCode, message] of cases) {
    const shown = args.map((arg) =>
      arg.length > 20 ? `<${arg.length} bytes>` : JSON.stringify(arg)
    );
    await t.step(`${shown.join(" ")} exits ${exitCode}`, async () => {
      const { code, stdout, stderr } = await runScript(
        "broadcast_sender",
        args,
      );
      assertEquals(code, exitCode, stderr);
      assertEquals(stdout, "");
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertMatch(stderr, /^broadcast_sender: /);
      assertMatch(stderr, message);
      if (exitCode === 2) assertStringIncludes(stderr, "Usage: ");
    });
  }
});

Deno.test("broadcast_listener bound to 127.0.0.1 does not hear a broadcast to 127.255.255.255, which is why it binds 0.0.0.0", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ]);
  const port = String(listener.address.port);
  const broadcast = await runScript("broadcast_sender", ["--port", port]);
  assertEquals(broadcast.code, 0, broadcast.stderr);
  // Sent after the broadcast, to its own address: once this one is logged,
  // the broadcast would have been logged before it.
  const direct = await runScript("broadcast_sender", [
    "--to",
    "127.0.0.1",
    "--unicast",
    "--port",
    port,
    "--message",
    "direct",
  ]);
  assertEquals(direct.code, 0, direct.stderr);
  await listener.waitForLine(/says: direct$/);
  const heard = listener.stdout().split("\n").filter((line) =>
    line.includes("says")
  );
  assertEquals(heard.length, 1, heard.join("\n"));
});

Deno.test("broadcast_listener and size_server cannot share a port: the second says so in one line and exits 1", async (t) => {
  for (
    const [first, second] of [
      ["size_server", "broadcast_listener"],
      ["broadcast_listener", "size_server"],
    ]
  ) {
    await t.step(`${second} after ${first}`, async () => {
      await using running = await startScript(first, ["--port", "0"]);
      const port = String(running.address.port);
      const { code, stderr } = await runScript(second, ["--port", port]);
      assertEquals(code, 1, stderr);
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertStringIncludes(stderr, `:${port} is already in use`);
    });
  }
});

Deno.test("broadcast_listener never answers what it hears", async () => {
  await using listener = await startScript("broadcast_listener", [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
  ]);
  const payload = new TextEncoder().encode("anyone?");
  assertEquals(
    await answered(listener.address, payload, { waitMs: 500 }),
    false,
  );
  await listener.waitForLine(/says: anyone\?$/);
});
