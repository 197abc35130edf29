/**
 * The one table a server keeps per sender: its budget of answers and a hash
 * of the last reply to it (`lib/guards.ts`), for 8,192 senders at most.
 * Requests from distinct forged loopback sources are answered, so each one
 * goes through that table; with a small heap, a table without a bound would
 * end the server. A plain echo server (`--prefix ""`) is the one whose last
 * reply matters most: it is the request.
 *
 * The requests come from a raw socket (`tools/forge.py`), which needs root:
 * without it the test is ignored, except under CI=true.
 */
import { assertEquals, assertGreater } from "jsr:@std/assert@^1";
import { MAX_REMEMBERED_SENDERS } from "../../lib/guards.ts";
import { decode, encode, sleep } from "../_helpers.ts";
import { interopTest } from "../interop/_tools.ts";
import { python, root, startWatchedServer } from "./_forge.ts";
import { persistentExchange, residentBytes } from "./_measure.ts";
import { forgeFromDistinctSources, tallyLog } from "./_scenarios.ts";

const MiB = 1024 * 1024;

/** The heap the server gets, in MiB, as in `bounded_state_test.ts`. */
const HEAP_MIB = 12;

/** How many distinct sources are forged. */
const MANY = 300_000;

interopTest(
  `echo_server --prefix "" runs in a ${HEAP_MIB} MiB heap through ${
    MANY.toLocaleString("en")
  } requests from distinct forged sources, and answers them`,
  [root, python],
  async () => {
    await using server = await startWatchedServer("echo_server", {
      denoFlags: [`--v8-flags=--max-old-space-size=${HEAP_MIB}`],
      args: ["--prefix", ""],
    });
    const probe = encode("probe");
    await persistentExchange(server.address, probe);
    const before = await residentBytes(server.child.pid);
    const sent = await forgeFromDistinctSources(server.address, MANY, {
      first: "127.1.0.1",
    });
    const after = await residentBytes(server.child.pid);
    await sleep(500); // the log drains
    // Each request answered is logged, or counted as dropped from the log;
    // the probe is one of them.
    const { logged, dropped } = tallyLog(server.stdoutText());
    const answered = logged + dropped - 1;
    console.log(
      `${sent} forged requests, ${answered} answered, resident memory ${
        ((before ?? NaN) / MiB).toFixed(1)
      } MiB before, ${((after ?? NaN) / MiB).toFixed(1)} MiB after`,
    );
    // Several times more senders went through the table than it may hold
    // (a busy machine answers fewer of them: 63,070 here, at a load of 13).
    assertGreater(answered, 3 * MAX_REMEMBERED_SENDERS);
    // Still alive, and still a plain echo.
    const reply = await persistentExchange(server.address, probe)
      .catch((error) => {
        throw new Error(
          `${error.message}; the end of stderr: ${
            JSON.stringify(server.stderr().slice(-300))
          }`,
        );
      });
    assertEquals(decode(reply), "probe");
  },
);
