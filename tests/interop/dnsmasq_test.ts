/**
 * dns_client and its minimal version against a resolver nobody here wrote:
 * Debian's dnsmasq, started by the test on 127.0.0.1 on a free port (see
 * _dnsmasq.ts). It reads no configuration file, no /etc/resolv.conf and no
 * /etc/hosts; it has no upstream server, so it never forwards a query
 * anywhere, and answers for `.test` only from the records given on its
 * command line.
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
import { runScript } from "../_helpers.ts";
import { runMinimalDnsClient } from "../scripts/_dns.ts";
import {
  DATA_DIR,
  recordDnsPage,
  withoutChance,
} from "../../tools/dns_exchange.ts";
import { type Dnsmasq, findDnsmasq, startDnsmasq } from "./_dnsmasq.ts";
import { interopTest } from "./_tools.ts";

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
    await using server = await startDnsmasq(dnsmasq, RECORDS);
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
    await using server = await startDnsmasq(dnsmasq, RECORDS);
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
    await using server = await startDnsmasq(dnsmasq, RECORDS);
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
    await using server = await startDnsmasq(dnsmasq, RECORDS);
    const cases: [string, string][] = [
      ["a.test", "192.0.2.1\nRCODE 0\n"],
      ["www.test", "192.0.2.7\nRCODE 0\n"], // after the CNAME, skipped
      ["nope.test", "RCODE 3\n"],
    ];
    for (const [name, printed] of cases) {
      await t.step(name, async () => {
        const { code, stdout, stderr } = await runMinimalDnsClient(
          "127.0.0.1",
          server.port,
          name,
        );
        assertEquals(code, 0, stderr);
        assertEquals(stdout, printed);
      });
    }
  },
);

interopTest(
  "the DNS page's session and exchange are what dns_client and dnsmasq do today (tools/dns_exchange.ts)",
  [dnsmasq],
  async (t) => {
    const fresh = await recordDnsPage();
    for (const [file, text] of Object.entries(fresh)) {
      await t.step(`docs/data/dns-${file}.txt`, async () => {
        const saved = await Deno.readTextFile(`${DATA_DIR}dns-${file}.txt`);
        assertEquals(
          withoutChance(saved),
          withoutChance(text),
          `docs/data/dns-${file}.txt is stale; run tools/dns_exchange.ts`,
        );
      });
    }
  },
);
