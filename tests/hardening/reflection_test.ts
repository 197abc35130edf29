/**
 * Reflection loops. UDP's source address can be forged: one datagram sent
 * "from" server A to server B makes B answer A, and if A answers that, the
 * two talk to each other for ever. For every pair of our servers (the same
 * kind included), and for each of them against a plain echo reflector
 * (socat), one forged datagram must lead to a handful of datagrams at most,
 * and then silence. A real client, a burst of requests from one port and
 * many requests from many ports must still all be answered.
 *
 * The forged datagrams come from a raw socket (`tools/forge.py`), which
 * needs root: without it the forging tests are ignored, except under
 * CI=true. The datagrams are counted on the wire, on loopback.
 */
import { assert, assertEquals, assertLessOrEqual } from "jsr:@std/assert@^1";
import {
  clientSocket,
  decode,
  encode,
  runScript,
  startScript,
  within,
} from "../_helpers.ts";
import { findTool, interopTest } from "../interop/_tools.ts";
import {
  buildCPrograms,
  findCompiler,
  removeCPrograms,
  runLoad,
  type ThroughputResult,
} from "../../bench/c_tools.ts";
import { BURST } from "../../lib/guards.ts";
import { type Endpoint, python, root } from "./_forge.ts";
import {
  ANSWERING_SERVERS as SERVERS,
  CLIENT_PORTS,
  datagramsAfterForging,
  probeFails,
  requestsFromManyPorts,
  startReflector,
} from "./_scenarios.ts";

const socat = await findTool("socat", "socat");

/** Most datagrams one forged datagram may lead to, the forged one included. */
const HANDFUL = 4;

/** How long the datagrams are counted after the forged one is sent. */
const COUNT_MS = 600;

/** What a forged datagram carries: a plain request, and nothing at all. */
const PAYLOADS: [string, Uint8Array][] = [
  ["hello", encode("hello")],
  ["an empty payload", new Uint8Array()],
];

/**
 * Sends one datagram forged from `from` to `to`, counts every datagram
 * between the two ports, either way, until {@linkcode COUNT_MS} after it,
 * and fails unless there are at most `most`.
 */
async function assertFewAfterForging(
  from: Endpoint,
  to: Endpoint,
  payload: Uint8Array,
  most: number,
): Promise<void> {
  const { packets, samples } = await datagramsAfterForging(
    from,
    to,
    payload,
    COUNT_MS,
  );
  const report = `${packets} datagrams between ports ${from.port} and ` +
    `${to.port} within ${COUNT_MS} ms, the first: ${samples.join("; ")}`;
  // The forged datagram itself is counted: 0 means the count is broken, not
  // that the servers are safe.
  assert(packets >= 1, `the forged datagram was not seen; ${report}`);
  assertLessOrEqual(packets, most, report);
}

/** Fails unless the server still answers a real request. */
async function assertStillAnswers(name: string, server: Endpoint) {
  const wrong = await probeFails(name, server);
  assert(wrong === undefined, wrong);
}

for (const a of SERVERS) {
  for (const b of SERVERS) {
    interopTest(
      `one datagram forged from ${a} to ${b} leads to at most ${HANDFUL} datagrams`,
      [root, python],
      async (t) => {
        await using serverA = await startScript(a, ["--port", "0"]);
        await using serverB = await startScript(b, ["--port", "0"]);
        for (const [what, payload] of PAYLOADS) {
          await t.step(what, async () => {
            await assertFewAfterForging(
              serverA.address,
              serverB.address,
              payload,
              HANDFUL,
            );
          });
        }
        await assertStillAnswers(a, serverA.address);
        await assertStillAnswers(b, serverB.address);
      },
    );
  }
}

for (const name of SERVERS) {
  interopTest(
    `one datagram forged between ${name} and a socat echo reflector leads to at most ${HANDFUL} datagrams`,
    [root, python, socat],
    async (t) => {
      await using server = await startScript(name, ["--port", "0"]);
      await using reflector = await startReflector();
      const ends: [string, Endpoint, Endpoint][] = [
        ["from the reflector to the server", reflector.address, server.address],
        ["from the server to the reflector", server.address, reflector.address],
      ];
      for (const [what, from, to] of ends) {
        await t.step(what, async () => {
          await assertFewAfterForging(from, to, encode("hello"), HANDFUL);
        });
      }
      await assertStillAnswers(name, server.address);
    },
  );
}

// A plain echo server (--prefix "") sends back exactly what it got, as socat
// does: only the repetition can tell a loop, so allow a few more rounds.
const PLAIN_ECHO_HANDFUL = 8;

interopTest(
  `one datagram forged between echo_server --prefix "" and a socat echo reflector leads to at most ${PLAIN_ECHO_HANDFUL} datagrams`,
  [root, python, socat],
  async () => {
    await using server = await startScript("echo_server", [
      "--port",
      "0",
      "--prefix",
      "",
    ]);
    await using reflector = await startReflector();
    await assertFewAfterForging(
      reflector.address,
      server.address,
      encode("hello"),
      PLAIN_ECHO_HANDFUL,
    );
  },
);

interopTest(
  `one datagram forged between two echo_server --prefix "" leads to at most ${PLAIN_ECHO_HANDFUL} datagrams`,
  [root, python],
  async () => {
    const plain = ["--port", "0", "--prefix", ""];
    await using a = await startScript("echo_server", plain);
    await using b = await startScript("echo_server", plain);
    await assertFewAfterForging(
      a.address,
      b.address,
      encode("hello"),
      PLAIN_ECHO_HANDFUL,
    );
  },
);

/** Requests numbered as the benchmark's load generator numbers them. */
const numbered = (i: number) =>
  encode(`benchmark message ${i.toString(16).padStart(8, "0")}`);

/** What each server answers to a numbered request, or its size only. */
const EXPECTED: Record<string, (request: Uint8Array) => string> = {
  echo_server: (request) => `OK...${decode(request)}`,
  hello_server: (request) => `Hello, ${decode(request)}!`,
  time_server: () => "4 bytes",
  size_server: (request) => `Your data was ${request.length} bytes`,
};

const shown = (name: string, reply: Uint8Array) =>
  name === "time_server" ? `${reply.length} bytes` : decode(reply);

/**
 * Sends `count` requests from one socket, `window` of them in flight at a
 * time, and returns each reply as {@linkcode shown} shows it. Bounded: each
 * reply must come within 5 s.
 */
async function requestsFromOnePort(
  name: string,
  to: Deno.NetAddr,
  requests: Uint8Array[],
  window: number,
): Promise<string[]> {
  const conn = clientSocket(to.hostname);
  const replies: string[] = [];
  try {
    let sent = 0;
    while (sent < Math.min(window, requests.length)) {
      await conn.send(requests[sent++], to);
    }
    while (replies.length < requests.length) {
      const [reply] = await within(
        5_000,
        `reply ${replies.length + 1} of ${requests.length} from ${name}`,
        conn.receive(),
      );
      replies.push(shown(name, reply));
      if (sent < requests.length) await conn.send(requests[sent++], to);
    }
  } finally {
    conn.close();
  }
  return replies;
}

for (const name of SERVERS) {
  Deno.test(`${name} answers a burst from one port, 2,000 requests from ${CLIENT_PORTS} ports, and then a real client`, async (t) => {
    await using server = await startScript(name, ["--port", "0"]);
    const expected = EXPECTED[name];

    await t.step(
      `${BURST} numbered requests from one port, 16 in flight`,
      async () => {
        // A server answers one port a burst of BURST at once (lib/guards.ts).
        const requests = Array.from({ length: BURST }, (_, i) => numbered(i));
        const replies = await requestsFromOnePort(
          name,
          server.address,
          requests,
          16,
        );
        assertEquals(replies.sort(), requests.map(expected).sort());
      },
    );

    await t.step(
      `${BURST} times the same request from one port, one at a time`,
      async () => {
        // As a client that retries, or sends the same line again, does.
        const request = encode("hello world!");
        const replies = await requestsFromOnePort(
          name,
          server.address,
          Array(BURST).fill(request),
          1,
        );
        assertEquals(replies, Array(BURST).fill(expected(request)));
      },
    );

    await t.step(
      `2,000 numbered requests from ${CLIENT_PORTS} ports, 16 in flight`,
      async () => {
        const { answered, failure } = await requestsFromManyPorts(
          server.address,
          {
            count: 2_000,
            window: 16,
            timeoutMs: 5_000,
            request: numbered,
            check: (reply, i) => {
              const want = expected(numbered(i));
              const got = shown(name, reply);
              return got === want ? undefined : `${got}, not ${want}`;
            },
          },
        );
        assertEquals(answered, 2_000, failure);
      },
    );

    await t.step("its own client", async () => {
      const port = String(server.address.port);
      const clients: Record<string, [string, string[], RegExp]> = {
        echo_server: [
          "echo_client",
          ["--port", port],
          /^Server reply : OK\.\.\.a$/m,
        ],
        hello_server: [
          "hello_client",
          ["--port", port, "Ada"],
          /^Hello, Ada!$/m,
        ],
        time_server: [
          "time_client",
          ["--port", port, "--iso"],
          /^\d{4}-\d\d-\d\dT/m,
        ],
        size_server: [
          "improved_client",
          ["--port", port],
          /^The Server reply: Your data was 12 bytes$/m,
        ],
      };
      const [client, args, reply] = clients[name];
      const { code, stdout, stderr } = await runScript(client, args, {
        stdin: name === "echo_server" ? encode("a\n") : undefined,
      });
      assertEquals(code, 0, stderr);
      assert(reply.test(stdout), stdout);
    });
  });
}

const compiler = await findCompiler();

interopTest(
  "echo_server answers every one of 20,000 requests of the benchmark's load generator",
  [{
    met: compiler !== undefined,
    reason: "no C compiler for bench/load.c; install Debian package gcc",
  }],
  async () => {
    await using server = await startScript("echo_server", ["--port", "0"]);
    const programs = await buildCPrograms();
    try {
      const result = await runLoad<ThroughputResult>(programs.load, [
        "throughput",
        "127.0.0.1",
        String(server.address.port),
        "--count",
        "20000",
        "--window",
        "64",
        "--warmup",
        "0",
        "--seconds",
        "30",
      ]);
      assertEquals(
        [result.replies, result.sent, result.bad, result.late, result.lost],
        [20_000, 20_000, 0, 0, 0],
        JSON.stringify(result),
      );
    } finally {
      await removeCPrograms(programs.dir);
    }
  },
);
