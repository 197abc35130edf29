/**
 * The clients' waits, measured: against a silent server, each waits as long
 * as its flags say, not the default and not for ever, then says so in one
 * line and exits 1.
 */
import {
  assertEquals,
  assertGreaterOrEqual,
  assertLess,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import {
  addressOf,
  encode,
  loopbackSocket,
  runScript,
  within,
} from "../_helpers.ts";

/**
 * Runs a client against a socket that never answers, and times it from the
 * arrival of its first request (when its wait starts) to its end.
 */
async function timedAgainstSilence(name: string, args: string[]) {
  using silent = loopbackSocket();
  const port = addressOf(silent).port;
  const run = runScript(name, ["--port", String(port), ...args], {
    stdin: name === "echo_client" ? encode("anyone?\n") : undefined,
  });
  await within(10_000, "the first request", silent.receive());
  const arrived = performance.now();
  const result = await run;
  return { ...result, port, waitedMs: performance.now() - arrived };
}

for (
  const name of ["echo_client", "hello_client", "size_client", "time_client"]
) {
  Deno.test(`${name} --timeout 1 waits 1 s, well under the default 5 s`, async () => {
    const { code, stderr, port, waitedMs } = await timedAgainstSilence(name, [
      "--timeout",
      "1",
    ]);
    assertEquals(code, 1);
    assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    assertStringIncludes(stderr, `no reply from 127.0.0.1:${port} within 1 s`);
    assertGreaterOrEqual(waitedMs, 950);
    assertLess(waitedMs, 4_000);
  });
}

Deno.test("improved_client --max-delay 0.4 waits 0.1 + 0.2 + 0.4 s, then gives up", async () => {
  const { code, stdout, stderr, waitedMs } = await timedAgainstSilence(
    "improved_client",
    ["--max-delay", "0.4"],
  );
  assertEquals(code, 1);
  assertEquals(stdout.trimEnd().split("\n").length, 3, stdout);
  assertStringIncludes(stderr, "after 3 attempts over 0.7 s");
  assertGreaterOrEqual(waitedMs, 650);
  // Well under the 3.1 s of the default --max-delay 2.
  assertLess(waitedMs, 2_500);
});
