/**
 * Every example of the page "Deno's UDP API" (`docs/examples/udp_api/`) runs
 * as it stands and prints what its `// Prints:` block says, so the page,
 * which shows each file whole, cannot drift from Deno's behaviour. Each file
 * is run by the command of its `Run:` line, from the repository's root; in a
 * `// Prints:` block, `PORT` stands for any port number.
 *
 * The multicast examples are run again in a network namespace, on a veth
 * link, where their argument (an interface's address or index) shows what
 * the loopback interface cannot: `loopback`, the TTL on the wire, IPv6.
 * Those need root, `ip` and python3; Node.js runs `node_dgram.js` a second
 * time. A missing tool ignores its test with the reason, except under
 * CI=true.
 *
 * @module
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decode, ROOT, runProcess } from "../_helpers.ts";
import {
  denoIn,
  interfaceIndex,
  lan,
  linkLocalReady,
  startCapture,
} from "../interop/_multicast.ts";
import {
  findTool,
  interopTest,
  runningAsRoot,
  runTool,
} from "../interop/_tools.ts";

const EXAMPLES = "docs/examples/udp_api/";
const PAGES = ["docs/concepts/udp-api.md", "docs/zh/concepts/udp-api.md"];

/** One example file, read. */
interface Example {
  /** Its path from the repository's root. */
  path: string;
  /** The commands of its `Run:` line, as shown (`deno run …`, `node …`). */
  commands: string[];
  /** The lines of its `// Prints:` block. */
  prints: string[];
  /** The lines of its `// Node.js prints:` block, if any. */
  nodePrints: string[];
}

/** The lines of the comment block that starts with `// TITLE:`. */
function block(text: string, title: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(`// ${title}:`);
  if (start === -1) return [];
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("// ")) break;
    body.push(line.slice(3));
  }
  return body;
}

async function readExamples(): Promise<Example[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${EXAMPLES}`)) {
    names.push(entry.name);
  }
  return await Promise.all(
    names.sort().map(async (name) => {
      const path = `${EXAMPLES}${name}`;
      const text = await Deno.readTextFile(`${ROOT}${path}`);
      const header = text.slice(0, text.indexOf("*/"));
      const run = header.slice(header.indexOf(" * Run:") + " * Run:".length);
      const commands = run.split("\n")
        .map((line) => line.replace(/^ \*/, "").trim())
        .filter((line) => /^(deno|node) /.test(line));
      return {
        path,
        commands,
        prints: block(text, "Prints"),
        nodePrints: block(text, "Node.js prints"),
      };
    }),
  );
}

const examples = await readExamples();

/** A pattern for printed lines, `PORT` standing for any port. */
function printed(lines: string[]): RegExp {
  const escaped = lines.map((line) =>
    line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("PORT", "\\d+")
  );
  return new RegExp(`^${escaped.join("\n")}\n$`);
}

/** Runs a `Run:` command as shown, without its optional `[arguments]`. */
async function runShown(command: string, args: string[] = []) {
  const [program, ...rest] = command.replace(/ \[[^\]]*\]/g, "").split(" ");
  const { code, stdout, stderr } = await runProcess(
    program === "deno" ? Deno.execPath() : program,
    [...rest, ...args],
    { timeoutMs: 20_000 },
  );
  return { code, stdout: decode(stdout), stderr };
}

Deno.test("every example of Deno's UDP API has a Run: line and a Prints: block, and both pages show it", async (t) => {
  assert(examples.length >= 12, `${examples.length} examples`);
  const pages = await Promise.all(
    PAGES.map((page) => Deno.readTextFile(`${ROOT}${page}`)),
  );
  for (const example of examples) {
    await t.step(example.path, () => {
      assert(example.commands.length > 0, "no Run: line");
      assert(example.prints.length > 0, "no // Prints: block");
      for (const [i, page] of pages.entries()) {
        assert(
          page.includes(
            `<<< @/examples/udp_api/${example.path.slice(EXAMPLES.length)}`,
          ),
          `${PAGES[i]} does not show it`,
        );
      }
    });
  }
});

for (const example of examples) {
  const command = example.commands.find((line) => line.startsWith("deno "));
  if (command === undefined) continue;
  Deno.test(`${example.path} prints what its Prints: block says`, async () => {
    const { code, stdout, stderr } = await runShown(command);
    assertEquals(code, 0, stderr);
    assertMatch(stdout, printed(example.prints));
  });
}

const node = await findTool("node", "nodejs");
for (const example of examples.filter((e) => e.nodePrints.length > 0)) {
  const command = example.commands.find((line) => line.startsWith("node "));
  interopTest(
    `${example.path} under Node.js prints what its Node.js prints: block says`,
    [node],
    async () => {
      assert(command, "no node line in its Run: line");
      const { code, stdout, stderr } = await runShown(command);
      assertEquals(code, 0, stderr);
      assertMatch(stdout, printed(example.nodePrints));
    },
  );
}

Deno.test("Deno's UDP API and QUIC datagrams, the page's next step, are there with the net unstable flag only", async () => {
  const probe =
    "console.log(typeof Deno.listenDatagram, typeof Deno.connectQuic, typeof Deno.QuicEndpoint)";
  const run = async (...flags: string[]) =>
    decode(
      (await runProcess(Deno.execPath(), [
        "eval",
        "--no-config",
        ...flags,
        probe,
      ])).stdout,
    );
  assertEquals(await run("--unstable-net"), "function function function\n");
  assertEquals(await run(), "undefined undefined undefined\n");
  // What the page names, checked by `deno check` of this file: the datagram
  // half of a QUIC connection, and what a connection needs (an ALPN name to
  // connect; a certificate and its key to listen).
  const datagrams = (conn: Deno.QuicConn) =>
    [conn.sendDatagram, conn.readDatagram, conn.maxDatagramSize] as const;
  const needs = () => {
    // @ts-expect-error: connecting needs alpnProtocols
    Deno.connectQuic({ hostname: "127.0.0.1", port: 1 });
    // @ts-expect-error: listening needs a certificate and its key
    new Deno.QuicEndpoint().listen({ alpnProtocols: ["x"] });
  };
  assertEquals([typeof datagrams, typeof needs], ["function", "function"]);
});

const ip = await findTool("ip", "iproute2");
const python = await findTool("python3", "python3");

interopTest(
  "Python's UDP socket loops its own multicast back and sends it with a TTL of 1, unless told otherwise",
  [python],
  async () => {
    const { code, stdout, stderr } = await runProcess("python3", [
      "-c",
      "import socket\n" +
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
      "print(s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP),\n" +
      "      s.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL))",
    ]);
    assertEquals(code, 0, stderr);
    assertEquals(decode(stdout), "1 1\n");
  },
);
const root = await runningAsRoot();

/** Runs an example by its Run: line inside a namespace. */
async function runExampleIn(ns: string, name: string, args: string[]) {
  const example = examples.find((e) => e.path === `${EXAMPLES}${name}`);
  assert(example, `no example ${name}`);
  const result = await runTool(...denoIn(ns, example.path, args));
  assertEquals(result.code, 0, result.stderr);
  return decode(result.stdout);
}

interopTest(
  "on a network interface, only the senders with loopback on reach this machine's member (loopback.ts on a veth)",
  [root, ip, python],
  async () => {
    await using pair = await lan("apiloop");
    await using capture = await startCapture(pair.a, "veth-a", { port: 0 });
    assertEquals(
      await runExampleIn(pair.a, "loopback.ts", [pair.addressA]),
      `heard on ${pair.addressA}: loopback: true, setLoopback(true)\n`,
    );
    // With a TTL of 0, none of the three went out on the wire.
    assertEquals((await capture.stop()).datagrams, []);
  },
);

interopTest(
  "setTTL() sets the TTL the datagram leaves with, after leave() too (set_ttl.ts on a veth)",
  [root, ip, python],
  async () => {
    await using pair = await lan("apittl");
    await using capture = await startCapture(pair.a, "veth-a");
    assertEquals(
      await runExampleIn(pair.a, "set_ttl.ts", [pair.addressA, "3"]),
      "setTTL(256): TypeError: Invalid argument (os error 22)\n" +
        `sent to 239.255.0.1:5007 from ${pair.addressA} with TTL 3\n`,
    );
    const { datagrams } = await capture.stop();
    assertEquals(datagrams.map((d) => [d.source, d.ttl]), [[pair.addressA, 3]]);
  },
);

interopTest(
  "an IPv6 group joined on a veth's index is heard, and ff01:: stays off the wire (join_v6.ts on a veth)",
  [root, ip, python],
  async () => {
    await using pair = await lan("apisix");
    await linkLocalReady(pair.a, "veth-a");
    const index = await interfaceIndex(pair.a, "veth-a");
    await using capture = await startCapture(pair.a, "veth-a", { port: 0 });
    assertEquals(
      await runExampleIn(pair.a, "join_v6.ts", [String(index)]),
      `joined ff01::1:2 on interface ${index}\nheard: to the group\n`,
    );
    assertEquals((await capture.stop()).datagrams, []);
  },
);
