/**
 * The improved client through a lossy relay: it succeeds through 50% loss
 * (with duplicates and reordering), and fails cleanly through 100% loss.
 */
import {
  assertEquals,
  assertGreaterOrEqual,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { startRelay } from "../../tools/lossy_relay.ts";
import { throughRelay } from "./_measure.ts";
import { runScript, startScript } from "../_helpers.ts";

Deno.test("improved_client gets through a relay that drops half, duplicates and reorders", async () => {
  await using server = await startScript("size_server", ["--port", "0"]);
  let successes = 0;
  const runs = 10;
  for (let seed = 1; seed <= runs; seed++) {
    const { code, stdout } = await throughRelay(server.address, {
      drop: 0.5,
      duplicate: 0.3,
      delayMs: 30,
      seed,
    });
    if (code === 0) {
      successes++;
      // Duplicated or late replies never show twice.
      assertEquals(stdout.match(/The Server reply/g)?.length, 1);
      assertStringIncludes(
        stdout,
        "The Server reply: Your data was 12 bytes\n",
      );
    }
  }
  // One run fails only if a request or its reply is lost 5 times running
  // (each try gets through with probability 1/4): 24% of runs at worst.
  assertGreaterOrEqual(successes, 5, `${successes} of ${runs} runs succeeded`);
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
