/**
 * The improved client, run as a real process, through a lossy relay: it
 * gets through 50% loss (with duplicates and reordering) in exactly the
 * runs the relay's seeds allow, and fails cleanly through 100% loss.
 */
import { assertEquals, assertStringIncludes } from "jsr:@std/assert@^1";
import { startRelay } from "../../tools/lossy_relay.ts";
import { throughRelay } from "./_measure.ts";
import { runScript, startScript } from "../_helpers.ts";

Deno.test("improved_client gets through a relay that drops half, duplicates and reorders, in 9 of 10 seeded runs", async () => {
  await using server = await startScript("size_server", ["--port", "0"]);
  const failed: number[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    // Waits from 0.2 s, well above the relay's 30 ms delays each way, so a
    // busy machine does not turn a slow reply into one more attempt (which
    // would change the relay's later draws).
    const { code, stdout, stderr } = await throughRelay(server.address, {
      drop: 0.5,
      duplicate: 0.3,
      delayMs: 30,
      seed,
    }, ["--initial-delay", "0.2", "--max-delay", "3.2"]);
    if (code === 0) {
      // Duplicated or late replies never show twice.
      assertEquals(stdout.match(/The Server reply/g)?.length, 1);
      assertStringIncludes(
        stdout,
        "The Server reply: Your data was 12 bytes\n",
      );
    } else {
      assertEquals(code, 1, stderr);
      assertStringIncludes(stderr, "after 5 attempts over 6.2 s");
      failed.push(seed);
    }
  }
  // Seed 7 loses a request or its reply 5 times running; every other seed
  // lets one through, seeds 4, 8 and 9 only after a retry.
  assertEquals(failed, [7]);
});

Deno.test("improved_client fails cleanly through a relay that drops everything", async () => {
  await using server = await startScript("size_server", ["--port", "0"]);
  await using relay = startRelay({
    hostname: "127.0.0.1",
    port: 0,
    target: server.address,
    drop: 1,
    duplicate: 0,
    delayMs: 0,
    seed: 7,
  });
  const { code, stdout, stderr } = await runScript("improved_client", [
    "--port",
    String(relay.addr.port),
  ]);
  assertEquals(code, 1);
  assertEquals(stdout.trimEnd().split("\n").length, 5);
  assertStringIncludes(stderr, "the server seems to be down");
  assertEquals(relay.stats.forwarded, 0);
  assertEquals(relay.stats.received, 5);
});
