/**
 * Loops with services nobody here wrote. A datagram forged "from" an
 * ordinary UDP service that answers anything (a constant reply, a DNS
 * server answering FORMERR, a chargen-like line, an echo, an upper-casing
 * echo, an echo 1.1 s late) makes one of our servers and that service
 * answer each other. Whatever the service sends, each exchange must end
 * within 200 datagrams from our side and within 1 s, for every server and
 * every `--prefix` of the echo server, and be reported on stderr in one line
 * that names the service.
 *
 * The services are played by `tools/services.py` in a network namespace the
 * test makes, where the forged datagram comes from a raw socket
 * (`tools/forge.py`) and the datagrams are counted on its loopback: root,
 * python3 and `ip` are needed, so without them the test is ignored, except
 * under CI=true.
 */
import {
  assert,
  assertEquals,
  assertLessOrEqual,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { findTool, interopTest } from "../interop/_tools.ts";
import { python, root } from "./_forge.ts";
import {
  LOOP_SERVERS,
  LOOP_SERVICES,
  type LoopExchange,
  serviceLoops,
} from "./_scenarios.ts";

const ip = await findTool("ip", "iproute2");

/** Most datagrams our server may send in one exchange. */
const MOST_DATAGRAMS = 200;

/** Longest an exchange may go on, from the forged datagram to our last. */
const MOST_MS = 1_000;

/** Fails unless the exchange ended soon, and was reported once. */
function assertEnded(exchange: LoopExchange): void {
  const { service, server, datagrams, fromService, ms, refusals, peer } =
    exchange;
  const what = `${server} with ${service}: ${datagrams} datagrams from ` +
    `the server, ${fromService} from the service, over ${ms} ms`;
  // The forged datagram is counted: none means the count is broken.
  assert(fromService >= 1, `the forged datagram was not seen; ${what}`);
  assertLessOrEqual(datagrams, MOST_DATAGRAMS, what);
  if (ms !== null) assertLessOrEqual(ms, MOST_MS, what);
  assertEquals(refusals.length, 1, `${what}; stderr: ${refusals.join(" | ")}`);
  assertStringIncludes(refusals[0], peer, what);
}

interopTest(
  `one datagram forged from any service to any server ends within ${MOST_DATAGRAMS} datagrams and ${MOST_MS} ms`,
  [root, python, ip],
  async (t) => {
    for (const service of LOOP_SERVICES) {
      await t.step(`${service.id} service`, async () => {
        const exchanges = await serviceLoops([service], LOOP_SERVERS);
        for (const exchange of exchanges) {
          console.log(
            `${exchange.server} with ${exchange.service}: ` +
              `${exchange.datagrams} datagrams from the server in ` +
              `${exchange.ms ?? 0} ms; ${exchange.refusals[0]}`,
          );
        }
        for (const exchange of exchanges) assertEnded(exchange);
        assertEquals(exchanges.length, LOOP_SERVERS.length);
      });
    }
  },
);
