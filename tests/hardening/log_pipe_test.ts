/**
 * A log nobody reads. With stdout a pipe whose reader has stopped reading
 * (`echo_server | sleep 1000`), the pipe fills and a write to it waits. A
 * server must keep answering anyway, drop the log lines it cannot write
 * and say how many once the log drains, and still end within a second on
 * SIGTERM or SIGINT.
 *
 * The test starts the server with its stdout piped to the test, reads the
 * ready line, and then reads nothing more until it says so.
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import {
  endWhileLogBlocked,
  floodWithPayload,
  PAYLOAD_FLOOD_ENV,
  PAYLOAD_FLOOD_HEAP_MIB,
  replyLength,
  requestsWhileLogStalled,
  startStalledServer,
  tallyLog,
} from "./_scenarios.ts";

/** Far more log than a pipe (64 KiB) and a bounded queue can hold. */
const REQUESTS = 10_000;

Deno.test("echo_server answers 10,000 requests while nobody reads its log, then counts the lines it dropped", async () => {
  await using server = await startStalledServer();
  const answered = await requestsWhileLogStalled(server, REQUESTS);
  assertEquals(
    answered,
    REQUESTS,
    `request ${answered + 1} of ${REQUESTS} got no right reply within 2 s ` +
      "(the log is not read)",
  );

  // Now the log is read: every request is either logged or counted.
  const logged = (text: string) => tallyLog(text).logged;
  const dropped = (text: string) => tallyLog(text).dropped;
  const text = await server.readStdoutUntil(
    (text) => logged(text) + dropped(text) >= REQUESTS,
    10_000,
  ).catch((error) => {
    const text = server.stdoutSoFar();
    throw new Error(
      `${error.message}; ${logged(text)} requests logged and ` +
        `${dropped(text)} counted as dropped, of ${REQUESTS}`,
    );
  });
  assert(dropped(text) > 0, "no line says how many log lines were dropped");
  assertEquals(logged(text) + dropped(text), REQUESTS);
  assertMatch(text, /^… \d{1,3}(,\d{3})* log lines dropped$/m);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`echo_server ends within 1 s on ${signal} while its log is blocked`, async () => {
    await using server = await startStalledServer();
    // About 230 KB of log lines: more than the pipe holds.
    const { ms, code } = await endWhileLogBlocked(server, signal);
    assert(ms !== undefined, `still running 3 s after ${signal}`);
    assert(ms <= 1_000, `it took ${ms} ms to end after ${signal}`);
    assertEquals(code, 0, `exit code after ${signal}`);
  });
}

// A line waits in the queue until the log drains, so what a queued line
// costs in memory must stay near its length: a 300-byte payload is shown
// cut to 200 bytes, and a line once built by `+=` per character took about
// 6 KB. The heap is capped, as in the payload floods; such lines once
// crashed the server here after about 2,000 requests.
for (const name of ["echo_server", "size_server"] as const) {
  Deno.test(`${name} answers 20,000 300-byte requests while nobody reads its log, its heap capped at ${PAYLOAD_FLOOD_HEAP_MIB} MiB`, async () => {
    await using server = await startStalledServer(name, PAYLOAD_FLOOD_ENV);
    const flood = { size: 300, count: 20_000, window: 16 };
    const { answered } = await floodWithPayload(
      server,
      flood,
      replyLength(name, flood.size),
    );
    assertEquals(answered, flood.count);
  });
}
