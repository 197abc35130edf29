/**
 * Bounded state under forged sources. Requests that each come from a forged
 * multicast address and port of their own are each refused; no table kept
 * per source may grow with them, and the refusals are reported at most a
 * few times in all, with counts, not once per source.
 *
 * The requests come from a raw socket (`tools/forge.py`), which needs root:
 * without it the tests are ignored, except under CI=true.
 */
import { assert, assertLessOrEqual } from "jsr:@std/assert@^1";
import { sleep } from "../_helpers.ts";
import { interopTest } from "../interop/_tools.ts";
import {
  python,
  root,
  startWatchedServer,
  type WatchedServer,
} from "./_forge.ts";
import { persistentExchange, residentBytes } from "./_measure.ts";
import {
  ANSWERING_SERVERS,
  forgeFromDistinctSources,
  PROBES as PROBE_EXCHANGES,
} from "./_scenarios.ts";

const MiB = 1024 * 1024;

/** How many lines a flood of refused requests may add to the output. */
const MAX_LINES = 3;

const PROBES: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries(PROBE_EXCHANGES).map(([name, [request]]) => [name, request]),
);

const lines = (server: WatchedServer) =>
  server.stdoutText().split("\n").length + server.stderr().split("\n").length;

/**
 * Sends `count` requests to `server`, each from its own multicast address
 * and port, counting up from `first`, at 25,000 a second.
 */
function fromDistinctSources(
  server: WatchedServer,
  first: string,
  count: number,
): Promise<number> {
  return forgeFromDistinctSources(server.address, count, { first });
}

for (const name of ANSWERING_SERVERS) {
  interopTest(
    `${name} refuses 20,000 requests from distinct forged multicast sources in at most ${MAX_LINES} lines`,
    [root, python],
    async () => {
      await using server = await startWatchedServer(name);
      await persistentExchange(server.address, PROBES[name]);
      await sleep(200);
      const before = lines(server);
      const sent = await fromDistinctSources(server, "224.0.0.1", 20_000);
      const added = lines(server) - before;
      console.log(`${name}: ${sent} forged requests, ${added} lines of output`);
      assertLessOrEqual(
        added,
        MAX_LINES,
        `the end of stdout: ${
          JSON.stringify(server.stdoutText().slice(-200))
        }, ` +
          `of stderr: ${JSON.stringify(server.stderr().slice(-200))}`,
      );
      // It still answers a real client.
      await persistentExchange(server.address, PROBES[name]);
    },
  );
}

/**
 * The largest heap the server gets for the memory test, in MiB. A server
 * whose state is bounded needs a small part of it; a table that grows with
 * each source fills it within about 100,000 sources, and V8 ends the
 * process ("Reached heap limit").
 */
const HEAP_MIB = 12;

/** How many sources the memory test forges. */
const MANY = 300_000;

for (const name of ["echo_server", "size_server"]) {
  interopTest(
    `${name} runs in a ${HEAP_MIB} MiB heap through 300,000 distinct forged sources`,
    [root, python],
    async () => {
      await using server = await startWatchedServer(name, {
        denoFlags: [`--v8-flags=--max-old-space-size=${HEAP_MIB}`],
      });
      await persistentExchange(server.address, PROBES[name]);
      const before = await residentBytes(server.child.pid);
      const sent = await fromDistinctSources(server, "224.0.0.1", MANY);
      const after = await residentBytes(server.child.pid);
      console.log(
        `${name}: ${sent} forged sources, resident memory ${
          ((before ?? NaN) / MiB).toFixed(1)
        } MiB before, ${((after ?? NaN) / MiB).toFixed(1)} MiB after`,
      );
      // Still alive, and still answering.
      await persistentExchange(server.address, PROBES[name]).catch((error) => {
        throw new Error(
          `${error.message}; the end of stderr: ${
            JSON.stringify(server.stderr().slice(-300))
          }`,
        );
      });
    },
  );
}

interopTest(
  "echo_server reports refused requests later with their count",
  [root, python],
  async () => {
    await using server = await startWatchedServer("echo_server");
    const sent = await fromDistinctSources(server, "224.0.0.1", 20_000);
    // The first refusal may be reported at once; the rest are counted and
    // reported within one interval (10 s), in one line.
    // A count of 1,000 or more: not a port (after ":") nor an octet.
    const counted = /^.*?(?<![\d.:])(\d{1,3}(?:,\d{3})+|\d{4,})(?![\d.:]).*$/m;
    const [report, digits] = await server.waitFor("stderr", counted, 15_000);
    const count = Number(digits.replaceAll(",", ""));
    assert(count >= 1_000, `the report counts ${count}: ${report}`);
    assertLessOrEqual(count, sent, report);
  },
);
