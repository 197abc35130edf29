/**
 * dns_client and its minimal version against a resolver nobody here wrote:
 * Debian's dnsmasq, started by the test on 127.0.0.1 on a free port. It
 * reads no configuration file (`--conf-file=/dev/null`), no
 * /etc/resolv.conf (`--no-resolv`) and no /etc/hosts (`--no-hosts`); it has
 * no upstream server, so it never forwards a query anywhere, and answers
 * for `.test` only from the records given on its command line. Its pid file
 * lives in the test's own temporary folder.
 *
 * Without dnsmasq these tests are ignored with the package to install;
 * under CI=true they run and fail instead (see _tools.ts).
 *
 * @module
 */
import {
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { decode, runProcess, runScript } from "../_helpers.ts";
import {
  freePort,
  interopTest,
  type Requirement,
  type RunningTool,
  runTool,
  startTool,
} from "./_tools.ts";

/** dnsmasq is in /usr/sbin, which a user's PATH may lack. */
async function findDnsmasq(): Promise<Requirement & { path: string }> {
  const { stdout } = await runTool("sh", [
    "-c",
    "command -v dnsmasq || { test -x /usr/sbin/dnsmasq && echo /usr/sbin/dnsmasq; }",
  ], { timeoutMs: 5_000 });
  const path = decode(stdout).trim();
  return path === ""
    ? {
      met: false,
      reason: "dnsmasq not found; install Debian package dnsmasq-base",
      path,
    }
    : { met: true, reason: `dnsmasq found at ${path}`, path };
}

const dnsmasq = await findDnsmasq();

/** A string of 250 bytes: three of them in one TXT record pass 512 bytes. */
const LONG = "x".repeat(250);

/** What dnsmasq is told, one flag a record. */
const RECORDS = [
  "--address=/a.test/192.0.2.1",
  "--host-record=h.test,192.0.2.7,2001:db8::7",
  "--mx-host=m.test,mail.m.test,10",
  "--txt-record=t.test,hello world,v=1",
  "--txt-record=e.test,\x1b[31mred",
  "--cname=www.test,h.test",
  `--txt-record=big.test,${LONG},${LONG},${LONG}`,
];

/** dnsmasq, running on 127.0.0.1; dispose of it to stop it. */
interface Dnsmasq extends AsyncDisposable {
  /** Its UDP port. */
  port: string;
  /** What it logged: one `query[TYPE] NAME from ADDR` line per query. */
  log(): string;
}

/**
 * Starts dnsmasq on 127.0.0.1 on a free port, in the foreground, with its
 * pid file in a temporary folder. A port taken between the check and the
 * start (dnsmasq binds TCP too) means another try, three at most.
 */
async function startDnsmasq(): Promise<Dnsmasq> {
  const folder = await Deno.makeTempDir({ prefix: "dns-test-" });
  for (let attempt = 1;; attempt++) {
    const port = String(freePort());
    let tool: RunningTool;
    try {
      tool = await startTool(dnsmasq.path, [
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        `--port=${port}`,
        `--pid-file=${folder}/dnsmasq.pid`,
        `--dhcp-leasefile=${folder}/dnsmasq.leases`,
        "--local=/test/",
        "--local-ttl=300",
        "--log-queries",
        "--log-facility=-",
        ...RECORDS,
      ], { ready: { stream: "stderr", pattern: /started, version/ } });
    } catch (error) {
      if (attempt < 3 && String(error).includes("Address already in use")) {
        continue;
      }
      await Deno.remove(folder, { recursive: true });
      throw error;
    }
    return {
      port,
      log: () => tool.stderr(),
      async [Symbol.asyncDispose]() {
        await tool.stop();
        await Deno.remove(folder, { recursive: true });
      },
    };
  }
}

/** Asks dnsmasq with dns_client; returns what it printed. */
function ask(server: Dnsmasq, name: string, type = "A") {
  return runScript("dns_client", [
    name,
    "--type",
    type,
    "--server",
    "127.0.0.1",
    "--port",
    server.port,
  ]);
}

/** The lines between the asking line and the status line. */
function records(stdout: string): string[] {
  const lines = stdout.trimEnd().split("\n");
  return lines.slice(1).filter((line) => !line.startsWith(";;"));
}

interopTest(
  "dns_client reads dnsmasq's answers: A, AAAA, MX, TXT, CNAME, each as dnsmasq was told",
  [dnsmasq],
  async (t) => {
    await using server = await startDnsmasq();
    const cases: [string, string, string[]][] = [
      ["a.test", "A", ["a.test. 300 IN A 192.0.2.1"]],
      ["h.test", "AAAA", ["h.test. 300 IN AAAA 2001:db8::7"]],
      ["m.test", "MX", ["m.test. 300 IN MX 10 mail.m.test."]],
      ["t.test", "TXT", ['t.test. 300 IN TXT "hello world" "v=1"']],
      ["www.test", "CNAME", ["www.test. 300 IN CNAME h.test."]],
      [
        "www.test",
        "A",
        ["www.test. 300 IN CNAME h.test.", "h.test. 300 IN A 192.0.2.7"],
      ],
    ];
    for (const [name, type, expected] of cases) {
      await t.step(`${name} ${type}`, async () => {
        const { code, stdout, stderr } = await ask(server, name, type);
        assertEquals(code, 0, stderr);
        assertEquals(records(stdout), expected);
        assertStringIncludes(
          stdout,
          `\n;; status: NOERROR (no error); flags: qr aa rd ra; ${expected.length} answer${
            expected.length === 1 ? "" : "s"
          }\n`,
        );
        assertMatch(stdout, /\n;; answered in \d+ ms, after 1 query\n$/);
        assertEquals(stderr, "");
      });
    }
    // dnsmasq saw each query once, from this machine.
    const seen = server.log().match(/query\[\w+\] \S+ from \S+/g);
    assertEquals(
      seen,
      cases.map(([name, type]) => `query[${type}] ${name} from 127.0.0.1`),
    );
  },
);

interopTest(
  "dns_client shows dnsmasq's NXDOMAIN, and a TXT string holding an escape sequence escaped",
  [dnsmasq],
  async (t) => {
    await using server = await startDnsmasq();
    await t.step("NXDOMAIN for a name dnsmasq was not told", async () => {
      const { code, stdout } = await ask(server, "nope.test");
      assertEquals(code, 0);
      assertEquals(records(stdout), []);
      assertStringIncludes(
        stdout,
        "\n;; status: NXDOMAIN (the name does not exist); flags: qr rd ra; " +
          "0 answers\n",
      );
    });
    await t.step("an escape sequence in a TXT record", async () => {
      const { code, stdout } = await ask(server, "e.test", "TXT");
      assertEquals(code, 0);
      assertEquals(records(stdout), ['e.test. 300 IN TXT "\\x1b[31mred"']);
    });
  },
);

interopTest(
  "dns_client says dnsmasq's answer of 750 bytes of TXT was truncated and needs TCP",
  [dnsmasq],
  async () => {
    await using server = await startDnsmasq();
    const { code, stdout, stderr } = await ask(server, "big.test", "TXT");
    assertEquals(code, 1);
    assertStringIncludes(stdout, "; flags: qr aa tc rd ra; 0 answers\n");
    assertStringIncludes(stderr, "the answer was truncated (TC)");
    assertStringIncludes(stderr, "needs DNS over TCP");
  },
);

interopTest(
  "the minimal dns_client prints dnsmasq's addresses, and RCODE 3 for NXDOMAIN",
  [dnsmasq],
  async (t) => {
    await using server = await startDnsmasq();
    const minimal = (name: string) =>
      runProcess(Deno.execPath(), [
        "run",
        "--no-config",
        "-N",
        "--unstable-net",
        "scripts/minimal/dns_client.ts",
        "127.0.0.1",
        server.port,
        name,
      ]);
    const cases: [string, string][] = [
      ["a.test", "192.0.2.1\nRCODE 0\n"],
      ["www.test", "192.0.2.7\nRCODE 0\n"], // after the CNAME, skipped
      ["nope.test", "RCODE 3\n"],
    ];
    for (const [name, printed] of cases) {
      await t.step(name, async () => {
        const { code, stdout, stderr } = await minimal(name);
        assertEquals(code, 0, stderr);
        assertEquals(decode(stdout), printed);
      });
    }
  },
);
