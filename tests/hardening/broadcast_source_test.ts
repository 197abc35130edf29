/**
 * Directed-broadcast sources. A request whose forged source is a broadcast
 * address would have its reply sent to every host of that network (Deno's
 * sockets may always broadcast). No server may answer one: not from the
 * limited broadcast 255.255.255.255, not from 127.255.255.255 on loopback,
 * and not from the broadcast address of the subnet it is on.
 *
 * The requests are forged from a raw socket (`tools/forge.py`), and the
 * replies counted on the wire: on loopback, and across a veth link between
 * two network namespaces the test makes (10.77.0.0/24 and 10.78.0.0/28,
 * which exist only inside them). Needs root, python3 and `ip`: without them
 * the tests are ignored, except under CI=true.
 */
import { assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { startScript } from "../_helpers.ts";
import {
  findTool,
  freePort,
  interopTest,
  namespacePair,
} from "../interop/_tools.ts";
import { type Endpoint, python, root } from "./_forge.ts";
import {
  ANSWERING_SERVERS as SERVERS,
  type NamespacedServer,
  repliesToForged,
  startInNamespace,
  type Where,
} from "./_scenarios.ts";

const ip = await findTool("ip", "iproute2");

/** How long replies are counted after a forged request. */
const COUNT_MS = 500;

/**
 * Forges one request from `from` to `server` and counts the datagrams the
 * server sends (to anyone) in the next {@linkcode COUNT_MS}, on `iface`,
 * in `netns` if given.
 */
function repliesTo(from: Endpoint, server: Endpoint, where: Where = {}) {
  return repliesToForged(from, server, { ...where, countMs: COUNT_MS });
}

for (const name of SERVERS) {
  interopTest(
    `${name} does not answer a request from 127.255.255.255 or 255.255.255.255`,
    [root, python],
    async (t) => {
      await using server = await startScript(name, ["--port", "0"]);
      const port = freePort();

      await t.step("it answers the same request from 127.0.0.1", async () => {
        // Checks the test itself: a forged request that should be answered
        // is, and the answer is seen.
        const { packets, samples } = await repliesTo(
          { hostname: "127.0.0.1", port },
          server.address,
        );
        assertEquals(packets, 1, samples.join("; "));
      });

      for (const hostname of ["127.255.255.255", "255.255.255.255"]) {
        await t.step(`no reply to ${hostname}`, async () => {
          const { packets, samples } = await repliesTo(
            { hostname, port },
            server.address,
          );
          assertEquals(packets, 0, `it answered: ${samples.join("; ")}`);
        });
      }
    },
  );
}

/** A network for the namespace test, and how the servers are run on it. */
interface Subnet {
  /** The first three octets; the hosts are `.1` and `.2`. */
  subnet: string;
  prefixLength: number;
  /** Deno's permissions for the servers. */
  permissions: string[];
}

const SUBNETS: Subnet[] = [
  // With -N alone a server cannot list the interfaces; a /24's broadcast
  // address still ends in .255.
  { subnet: "10.77.0", prefixLength: 24, permissions: ["-N"] },
  // A /28's broadcast address (here 10.78.0.15) can only be learnt from the
  // interfaces, which --allow-sys=networkInterfaces lets a server list.
  {
    subnet: "10.78.0",
    prefixLength: 28,
    permissions: ["-N", "--allow-sys=networkInterfaces"],
  },
];

for (const { subnet, prefixLength, permissions } of SUBNETS) {
  interopTest(
    `no server run with ${
      permissions.join(" ")
    } answers a request from the broadcast address of its /${prefixLength}, across a veth link`,
    [root, python, ip],
    async (t) => {
      // Host A (.1) runs the servers on 0.0.0.0, as a user exposing them
      // would; host B (.2) forges the requests and counts, on its end of the
      // link, every datagram the servers send.
      await using hosts = await namespacePair("bcast", subnet, prefixLength);
      const servers: NamespacedServer[] = await startInNamespace(
        hosts,
        SERVERS,
        permissions,
      );
      try {
        const where = { iface: "veth-b", netns: hosts.b };
        for (const { name, port } of servers) {
          const server = { hostname: hosts.addressA, port };
          await t.step(
            `${name} answers a request from ${hosts.addressB}`,
            async () => {
              const { packets, samples } = await repliesTo(
                { hostname: hosts.addressB, port: 40_000 },
                server,
                where,
              );
              assertEquals(packets, 1, samples.join("; "));
              assertMatch(
                samples[0],
                new RegExp(` > ${hosts.addressB}:40000 `),
              );
            },
          );
          await t.step(
            `${name} does not answer one from ${hosts.broadcast}`,
            async () => {
              const { packets, samples } = await repliesTo(
                { hostname: hosts.broadcast, port: 40_000 },
                server,
                where,
              );
              assertEquals(packets, 0, `it answered: ${samples.join("; ")}`);
            },
          );
        }
      } finally {
        await Promise.all(servers.map(({ server }) => server.stop()));
      }
    },
  );
}
