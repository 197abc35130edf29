/**
 * broadcast_sender and broadcast_listener over 127.255.255.255, which never
 * leaves this machine.
 */
import { assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { runScript, startScript } from "../_helpers.ts";

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
