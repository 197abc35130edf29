/**
 * dns_client against a stand-in server on loopback (tests/scripts/
 * _dns_standin.py, run by python3) that forges, drops, truncates and sends
 * hostile replies; and its command line. No query goes anywhere but
 * 127.0.0.1 or ::1. The tests against a real resolver, dnsmasq, are in
 * tests/interop/dnsmasq_test.ts.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertGreater,
  assertGreaterOrEqual,
  assertLess,
  assertLessOrEqual,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { decode, ROOT, runProcess, runScript } from "../_helpers.ts";
import { runMinimalDnsClient } from "./_dns.ts";
import {
  findTool,
  interopTest,
  type RunningTool,
  startTool,
} from "../interop/_tools.ts";

const python = await findTool("python3", "python3");

/** Starts the stand-in in `mode` and returns it with its port. */
async function standIn(
  mode: string,
  host = "127.0.0.1",
): Promise<RunningTool & { port: string }> {
  const tool = await startTool(
    "python3",
    [`${ROOT}tests/scripts/_dns_standin.py`, mode, host],
    { ready: { stream: "stdout", pattern: / listening on \S+:(\d+)\n/ } },
  );
  return Object.assign(tool, { port: tool.ready?.[1] ?? "" });
}

/** The times, in seconds, at which the stand-in saw each query. */
function queryTimes(printed: Uint8Array): number[] {
  return [...decode(printed).matchAll(/^query \d+ at ([\d.]+) /gm)]
    .map(([, time]) => Number(time));
}

/** Runs dns_client for a.test against a stand-in at `host`. */
function ask(port: string, extra: string[] = [], host = "127.0.0.1") {
  return runScript("dns_client", [
    "a.test",
    "--server",
    host,
    "--port",
    port,
    ...extra,
  ]);
}

const ANSWER = "a.test. 300 IN A 192.0.2.1";

/** The answer is printed, and the forgeries' address nowhere. */
function assertAnswered(stdout: string): void {
  assertStringIncludes(stdout, `\n${ANSWER}\n`);
  assert(!stdout.includes("198.51.100.66"), stdout);
}

interopTest(
  "dns_client prints the answer like a short dig: the record, status and flags, the time",
  [python],
  async () => {
    await using server = await standIn("answer");
    const { code, stdout, stderr } = await ask(server.port);
    assertEquals(code, 0, stderr);
    const lines = stdout.trimEnd().split("\n");
    assertMatch(
      lines[0],
      new RegExp(
        `^;; asking 127\\.0\\.0\\.1:${server.port} for a\\.test\\. IN A \\(id \\d+\\)$`,
      ),
    );
    assertEquals(lines.slice(1, 3), [
      ANSWER,
      ";; status: NOERROR (no error); flags: qr rd ra; 1 answer",
    ]);
    assertMatch(lines[3], /^;; answered in \d+ ms, after 1 query$/);
    assertEquals(lines.length, 4);
    assertEquals(stderr, "");
  },
);

interopTest(
  "dns_client asks a server on ::1 from an IPv6 socket",
  [python],
  async () => {
    await using server = await standIn("answer", "::1");
    const { code, stdout, stderr } = await ask(server.port, [], "::1");
    assertEquals(code, 0, stderr);
    assertStringIncludes(stdout, `;; asking [::1]:${server.port} for a.test.`);
    assertAnswered(stdout);
  },
);

/** A datagram that comes before the answer, and the line that counts it. */
const DECOYS: [string, string, (port: string) => string][] = [
  [
    "forged-id",
    "a forged reply with the wrong ID, from the server's address and port",
    () => ";; ignored 1 datagram: 1 with another ID\n",
  ],
  [
    "wrong-port",
    "the answer from another port",
    (port) => `;; ignored 1 datagram: 1 not from 127.0.0.1:${port}\n`,
  ],
  [
    "other-question",
    "a reply with its ID but another question",
    () => ";; ignored 1 datagram: 1 with another question\n",
  ],
];

for (const [mode, what, counted] of DECOYS) {
  interopTest(
    `dns_client ignores ${what} that comes first, and counts it`,
    [python],
    async () => {
      await using server = await standIn(mode);
      const { code, stdout, stderr } = await ask(server.port);
      assertEquals(code, 0, stderr);
      assertAnswered(stdout);
      assertEquals(stderr, counted(server.port));
    },
  );
}

interopTest(
  "dns_client counts 300 forgeries over 1.5 s in at most one line a second",
  [python],
  async () => {
    await using server = await standIn("flood");
    const { code, stdout, stderr } = await ask(server.port);
    assertEquals(code, 0, stderr);
    assertAnswered(stdout);
    // The flood outlasts the first wait, so the client asks again meanwhile.
    const lines = stderr.trimEnd().split("\n")
      .filter((line) => line.startsWith(";; ignored "));
    // The first at once, at most one more in the 1.5 s, and the total.
    assertLessOrEqual(lines.length, 3, stderr);
    assertEquals(lines[0], ";; ignored 1 datagram: 1 with another ID");
    assertEquals(
      lines.at(-1),
      ";; ignored 300 datagrams: 300 with another ID",
    );
  },
);

interopTest(
  "dns_client under forgeries sent without a pause across two waits prints only its own lines, no timer warning",
  [python],
  async () => {
    await using server = await standIn("dense");
    const { code, stdout, stderr } = await ask(server.port);
    assertEquals(code, 0, stderr);
    assertAnswered(stdout);
    // A forgery taken just after a wait's end leaves no time to wait: the
    // next wait is 0 ms, not a negative one that Deno warns about.
    const lines = stderr.trimEnd().split("\n");
    assertEquals(lines.filter((line) => !line.startsWith(";; ")), [], stderr);
    for (const wait of ["0.5", "1.0"]) {
      assert(lines.includes(`;; no answer within ${wait} s; asking again`));
    }
  },
);

interopTest(
  "dns_client asks again after 0.5 s and 1 s when the server drops the first two queries",
  [python],
  async () => {
    await using server = await standIn("drop-2");
    const { code, stdout, stderr } = await ask(server.port);
    assertEquals(code, 0, stderr);
    assertAnswered(stdout);
    assertMatch(stdout, /\n;; answered in \d+ ms, after 3 queries\n$/);
    assertEquals(stderr.trimEnd().split("\n"), [
      ";; no answer within 0.5 s; asking again",
      ";; no answer within 1.0 s; asking again",
    ]);
    const [first, second, third] = queryTimes((await server.stop()).stdout);
    // The waits, as the server saw them: 0.5 s, then twice that. A loaded
    // machine makes them late, never early.
    const gaps = [second - first, third - second];
    assertGreaterOrEqual(gaps[0], 0.48, `gaps ${gaps}`);
    assertLess(gaps[0], 0.9, `gaps ${gaps}`);
    assertGreaterOrEqual(gaps[1], 0.98, `gaps ${gaps}`);
    assertLess(gaps[1], 1.5, `gaps ${gaps}`);
  },
);

interopTest(
  "dns_client gives up on a silent server with exit code 1 once --timeout has passed",
  [python],
  async () => {
    await using server = await standIn("silent");
    const started = performance.now();
    const { code, stdout, stderr } = await ask(server.port, [
      "--timeout",
      "1.5",
    ]);
    const seconds = (performance.now() - started) / 1000;
    assertEquals(code, 1);
    assertEquals(stdout.split("\n").length, 2, stdout); // the asking line
    assertEquals(stderr.trimEnd().split("\n"), [
      ";; no answer within 0.5 s; asking again",
      `dns_client: no answer from 127.0.0.1:${server.port} after 2 queries in 1.5 s`,
    ]);
    // 1.5 s from its first query; Deno's start comes before that.
    assertGreater(seconds, 1.5);
    assertLess(seconds, 4);
    const times = queryTimes((await server.stop()).stdout);
    assertEquals(times.length, 2);
  },
);

interopTest(
  "dns_client says a truncated answer needs TCP, and exits 1",
  [python],
  async () => {
    await using server = await standIn("tc");
    const { code, stdout, stderr } = await ask(server.port);
    assertEquals(code, 1);
    assertStringIncludes(
      stdout,
      ";; status: NOERROR (no error); flags: qr tc rd ra; 0 answers\n",
    );
    assertEquals(
      stderr,
      "dns_client: the answer was truncated (TC): it did not fit in one UDP " +
        "datagram, and the full answer needs DNS over TCP, which this client " +
        "does not do\n",
    );
  },
);

const HOSTILE: [string, string][] = [
  [
    "loop",
    "compression pointer loop: the pointer at byte 24 points to byte 24",
  ],
  ["past-end", "points to byte 16383, past the end of the 40-byte message"],
  ["counts", "the header counts 1 question and 65535 records, more than"],
  ["label-64", "the label at byte 24 claims 64 bytes; a label is at most 63"],
  ["name-256", "the name that starts at byte 24 is longer than 255 bytes"],
];

for (const [mode, words] of HOSTILE) {
  interopTest(
    `dns_client refuses a hostile reply (${mode}) in one line, exit code 1`,
    [python],
    async () => {
      await using server = await standIn(mode);
      const { code, stdout, stderr } = await ask(server.port);
      assertEquals(code, 1);
      assertEquals(stdout.split("\n").length, 2, stdout); // the asking line
      const lines = stderr.trimEnd().split("\n");
      assertEquals(lines.length, 1, stderr);
      assertStringIncludes(
        lines[0],
        `dns_client: the reply from 127.0.0.1:${server.port} cannot be read: `,
      );
      assertStringIncludes(lines[0], words);
    },
  );
}

/** Runs the minimal client for a.test against a stand-in on 127.0.0.1. */
function askMinimal(port: string) {
  return runMinimalDnsClient("127.0.0.1", port, "a.test");
}

for (const [mode] of DECOYS) {
  interopTest(
    `the minimal dns_client takes only the answer (${mode} first)`,
    [python],
    async () => {
      await using server = await standIn(mode);
      const { code, stdout, stderr } = await askMinimal(server.port);
      assertEquals(code, 0, stderr);
      assertEquals(stdout, "192.0.2.1\nRCODE 0\n");
    },
  );
}

for (const [mode] of HOSTILE) {
  interopTest(
    `the minimal dns_client reads a hostile reply (${mode}) to its end, printing only numbers`,
    [python],
    async () => {
      await using server = await standIn(mode);
      const { code, stdout, stderr } = await askMinimal(server.port);
      assertEquals(code, 0, stderr);
      assertMatch(stdout, /^(\d+\.\d+\.\d+\.\d+\n)*RCODE \d+\n$/);
    },
  );
}

interopTest(
  "the minimal dns_client gives up on a silent server after 5 s, exit code 1",
  [python],
  async () => {
    await using server = await standIn("silent");
    const started = performance.now();
    const { code, stdout, stderr } = await askMinimal(server.port);
    const seconds = (performance.now() - started) / 1000;
    assertEquals(code, 1);
    assertEquals(stdout, "");
    assertEquals(
      stderr,
      `no answer from 127.0.0.1 port ${server.port} within 5 s\n`,
    );
    assertGreater(seconds, 5);
    assertLess(seconds, 10);
  },
);

interopTest(
  "dns_client asks from a port the system picks at random, a different one each run",
  [python],
  async () => {
    await using server = await standIn("answer");
    for (let run = 0; run < 5; run++) {
      const { code, stderr } = await ask(server.port);
      assertEquals(code, 0, stderr);
    }
    const printed = decode((await server.stop()).stdout);
    const ports = [...printed.matchAll(/ from port (\d+)$/gm)]
      .map(([, port]) => Number(port));
    assertEquals(ports.length, 5);
    assertEquals(new Set(ports).size, 5, `ports ${ports}`);
    // Handed out one after the other, five ports would lie within a few of
    // each other; picked at random from thousands, they spread wide.
    assertGreater(Math.max(...ports) - Math.min(...ports), 100, `${ports}`);
  },
);

Deno.test("dns_client refuses bad command lines in one line, exit code 2", async (t) => {
  const cases: [string, string[], string][] = [
    ["no name", [], "give one name to look up"],
    ["two names", ["a.test", "b.test"], "give one name to look up"],
    ["an unknown type", ["a.test", "--type", "SRV"], "--type must be one of"],
    ["a bad port", ["a.test", "--port", "0"], "--port must be"],
    ["a zero timeout", ["a.test", "--timeout", "0"], "--timeout must be"],
    ["an unknown flag", ["a.test", "--tcp"], "unknown flag --tcp"],
    ["an empty label", ["a..test"], "a label of 0 bytes"],
    ["a label of 64 bytes", ["a".repeat(64) + ".test"], "a label of 64"],
    [
      "a name of 256 bytes",
      [Array(64).fill("abc").join(".")],
      "longer than a name may be",
    ],
    ["a name that is not ASCII", ["münchen.de"], "xn--"],
  ];
  for (const [what, args, words] of cases) {
    await t.step(what, async () => {
      const { code, stdout, stderr } = await runScript("dns_client", [
        ...args,
        "--server",
        "127.0.0.1",
      ]);
      assertEquals(code, 2, stderr);
      assertEquals(stdout, "");
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertStringIncludes(stderr, words);
    });
  }
});

Deno.test("dns_client --help names every flag, and how to try it with dnsmasq", async () => {
  const { code, stdout } = await runScript("dns_client", ["--help"]);
  assertEquals(code, 0);
  for (const flag of ["--type", "--server", "--port", "--timeout"]) {
    assertStringIncludes(stdout, `  ${flag} `);
  }
  assertStringIncludes(stdout, "--allow-read=/etc/resolv.conf");
  assertStringIncludes(stdout, "dnsmasq --no-daemon");
  assert(!stdout.includes('(default: "")'), stdout);
});

Deno.test("dns_client without --server says which permission to pass to read /etc/resolv.conf", async () => {
  const { code, stdout, stderr } = await runScript("dns_client", [
    "example.com",
  ]);
  assertEquals(code, 1);
  assertEquals(stdout, "");
  assertEquals(
    stderr,
    "dns_client: no --server given, and no permission to read " +
      "/etc/resolv.conf; run with --allow-read=/etc/resolv.conf, or name a " +
      "server with --server ADDR\n",
  );
});

Deno.test("dns_client with --allow-read=/etc/resolv.conf asks its first nameserver (here refused the network, so nothing is sent)", async () => {
  const { stdout: listed } = await runProcess("awk", [
    '$1 == "nameserver" { print $2; exit }',
    "/etc/resolv.conf",
  ]);
  const nameserver = decode(listed).trim();
  const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
    "run",
    "--allow-read=/etc/resolv.conf",
    // The one address allowed is a port nobody asked for: the client cannot
    // even open its socket, so no query reaches the real resolver.
    "--allow-net=127.0.0.1:9",
    "scripts/dns_client.ts",
    "example.com",
  ]);
  assertEquals(code, 1);
  if (nameserver === "") {
    assertStringIncludes(stderr, "no nameserver in /etc/resolv.conf");
    return;
  }
  const shown = nameserver.includes(":") ? `[${nameserver}]` : nameserver;
  assertEquals(
    decode(stdout).split(" (id")[0],
    `;; asking ${shown}:53 for example.com. IN A`,
  );
  assertStringIncludes(stderr, "dns_client: no permission: ");
});
