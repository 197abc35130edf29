/**
 * improved_client --jitter. Full jitter waits a random time up to each
 * doubled delay: a client that ignored the flag would still wait "at most"
 * each delay, so the test also asks that the waits are not all the full
 * delays, and that the client really waited what it said, as seen from the
 * silent server's side.
 */
import { assert, assertEquals, assertLessOrEqual } from "jsr:@std/assert@^1";
import { addressOf, loopbackSocket, runScript, within } from "../_helpers.ts";

/** The delays without jitter: 0.1 s doubled until the next would pass 2 s. */
const DELAYS = [0.1, 0.2, 0.4, 0.8, 1.6];

/** How much later than it said a retry may come, on a busy machine. */
const LATE_S = 0.3;

Deno.test("improved_client --jitter waits a random time up to each doubled delay, and says so", async () => {
  using silent = loopbackSocket();
  const arrivals: number[] = [];
  const counting = (async () => {
    for (let i = 0; i < DELAYS.length; i++) {
      await within(10_000, `attempt ${i + 1}`, silent.receive());
      arrivals.push(performance.now() / 1000);
    }
  })();
  const { code, stdout } = await runScript("improved_client", [
    "--port",
    String(addressOf(silent).port),
    "--jitter",
  ]);
  await counting;
  assertEquals(code, 1, stdout);
  const waits = [...stdout.matchAll(/waiting (\d+\.\d\d) s/g)]
    .map((match) => Number(match[1]));
  assertEquals(waits.length, DELAYS.length, stdout);
  waits.forEach((wait, i) =>
    assertLessOrEqual(wait, DELAYS[i], `wait ${i + 1} of ${waits.join(", ")}`)
  );
  // Each printed wait equals its full delay with a chance of 5 % or less
  // (rounding to 0.01 s): all five, about 3 in 10 billion.
  assert(
    waits.some((wait, i) => wait < DELAYS[i]),
    `every wait was the full delay: ${waits.join(", ")} s`,
  );
  // The time between two attempts is the wait the client printed.
  for (let i = 0; i < DELAYS.length - 1; i++) {
    const gap = arrivals[i + 1] - arrivals[i];
    assert(
      gap >= waits[i] - 0.02 && gap <= waits[i] + LATE_S,
      `attempt ${i + 2} came ${gap.toFixed(3)} s after attempt ${
        i + 1
      }, which said it would wait ${waits[i]} s`,
    );
  }
});
