/**
 * Real peers nobody here wrote: `nc -u` (OpenBSD netcat) and `socat` talk to
 * our servers, `rdate -u` asks time_server, and our clients talk to `nc` and
 * `socat` acting as servers. Every byte of every reply is checked.
 *
 * A missing tool makes its tests ignored, with the package to install;
 * under CI=true they run and fail instead (see _tools.ts).
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { concat, decode, encode, runScript, startScript } from "../_helpers.ts";
import {
  findTool,
  freePort,
  interopTest,
  type Requirement,
  runTool,
  startTool,
} from "./_tools.ts";

const nc = await findTool("nc", "netcat-openbsd", {
  args: ["-h"],
  includes: "OpenBSD netcat",
});
const socat = await findTool("socat", "socat");
const rdate = await findTool("rdate", "rdate");

/** A client tool, sending one datagram from a chosen source port. */
interface ClientTool {
  name: string;
  requirement: Requirement;
  /** The command line: send stdin to `port`, print the reply, exit. */
  args(source: number, port: number): string[];
}

const CLIENT_TOOLS: ClientTool[] = [
  {
    name: "nc",
    requirement: nc,
    // -w1: after the end of input, wait one idle second for the reply.
    args: (source, port) => [
      "-u",
      "-w1",
      "-p",
      String(source),
      "127.0.0.1",
      String(port),
    ],
  },
  {
    name: "socat",
    requirement: socat,
    // -t1: after the end of input, wait one second for the reply.
    args: (source, port) => [
      "-t1",
      "-",
      `UDP4:127.0.0.1:${port},bind=127.0.0.1:${source}`,
    ],
  },
];

/** One request to a server, the exact reply, and the exact log line. */
interface Exchange {
  server: string;
  what: string;
  payload: Uint8Array;
  reply: Uint8Array;
  log: (client: string) => string;
}

const BINARY = new Uint8Array([0xff, 0x00, 0x41, 0x0a]);

const EXCHANGES: Exchange[] = [
  {
    server: "echo_server",
    what: "OK... and the exact bytes",
    payload: encode("hello"),
    reply: encode("OK...hello"),
    log: (client) => `Message[${client}] - hello`,
  },
  {
    server: "echo_server",
    what: "invalid UTF-8 and NUL byte for byte, logged escaped",
    payload: BINARY,
    reply: concat(encode("OK..."), BINARY),
    log: (client) => `Message[${client}] - \\xff\\x00A`,
  },
  {
    server: "hello_server",
    what: "Hello, NAME!",
    payload: encode("Ada"),
    reply: encode("Hello, Ada!"),
    log: (client) => `Received from ${client}.`,
  },
  {
    server: "size_server",
    what: "the size in bytes",
    payload: encode("héllo wörld!"),
    reply: encode("Your data was 14 bytes"),
    log: (client) => `The client at ${client} says: héllo wörld!`,
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

for (const tool of CLIENT_TOOLS) {
  for (const exchange of EXCHANGES) {
    interopTest(
      `${exchange.server} answers ${tool.name} with ${exchange.what}`,
      [tool.requirement],
      async () => {
        await using server = await startScript(exchange.server, [
          "--port",
          "0",
        ]);
        const source = freePort();
        const { code, stdout, stderr } = await runTool(
          tool.name,
          tool.args(source, server.address.port),
          { stdin: exchange.payload },
        );
        assertEquals(code, 0, stderr);
        assertEquals(stdout, exchange.reply, decode(stdout));
        const line = exchange.log(`127.0.0.1:${source}`);
        await server.waitForLine(new RegExp(`^${escapeRegExp(line)}$`));
        const { stdout: log } = await server.stop();
        // One line for the one datagram: the tool sent no probes of its own.
        assertEquals(log.split("\n").slice(1, -1), [line]);
      },
    );
  }
}

/** Reads rdate's `Fri Nov 20 22:01:24 UTC 2026` (printed with TZ=UTC). */
const RDATE = /^\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) UTC (\d{4})\n$/;

function parseRdate(text: string): Date {
  const match = RDATE.exec(text);
  assert(match, `rdate printed ${JSON.stringify(text)}`);
  const [, month, day, hours, minutes, seconds, year] = match;
  const months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  return new Date(Date.UTC(
    Number(year),
    months.indexOf(month) / 3,
    Number(day),
    Number(hours),
    Number(minutes),
    Number(seconds),
  ));
}

interopTest(
  "time_server answers rdate -p -u with the time now",
  [rdate],
  async () => {
    await using server = await startScript("time_server", ["--port", "0"]);
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { code, stdout, stderr } = await runTool("rdate", [
      "-p",
      "-u",
      "-o",
      String(server.address.port),
      "127.0.0.1",
    ], { env: { TZ: "UTC" } });
    const after = Date.now();
    assertEquals(code, 0, stderr);
    const printed = parseRdate(decode(stdout)).getTime();
    assert(
      before <= printed && printed <= after,
      `rdate printed ${new Date(printed).toISOString()}, not a time between ${
        new Date(before).toISOString()
      } and ${new Date(after).toISOString()}`,
    );
    assertMatch(
      await server.waitForLine(/^Time requested/),
      /^Time requested by 127\.0\.0\.1:\d+$/,
    );
  },
);

interopTest(
  "echo_client talks to socat as a plain RFC 862 echo server",
  [socat],
  async () => {
    // UDP-LISTEN:0 binds a free port and names it on stderr with -d -d.
    await using peer = await startTool("socat", [
      "-d",
      "-d",
      "UDP-LISTEN:0,bind=127.0.0.1",
      "PIPE",
    ], {
      ready: {
        stream: "stderr",
        pattern: /listening on UDP AF=2 127\.0\.0\.1:(\d+)/,
      },
    });
    const port = peer.ready?.[1] ?? "";
    // A plain echo puts nothing before the line: --prefix "" says so.
    const { code, stdout, stderr } = await runScript("echo_client", [
      "--port",
      port,
      "--timeout",
      "5",
      "--prefix",
      "",
    ], { stdin: encode("hello\nhow are you\n") });
    assertEquals(code, 0, stderr);
    assertEquals(stdout, "Server reply : hello\nServer reply : how are you\n");
  },
);

interopTest(
  "echo_client talks to nc -u -l, answered line by line as a person would",
  [nc],
  async () => {
    // -v makes nc name the port it bound ("Bound on localhost 40123").
    await using peer = await startTool(
      "nc",
      ["-u", "-l", "-v", "127.0.0.1", "0"],
      {
        stdin: "piped",
        ready: { stream: "stderr", pattern: /^Bound on \S+ (\d+)$/m },
      },
    );
    const port = peer.ready?.[1] ?? "";
    const client = runScript("echo_client", ["--port", port], {
      stdin: encode("hello\nbye\n"),
    });
    // nc prints each datagram as it came (no newline: the client sends none);
    // what is typed into nc goes back as the reply.
    const typing = (async () => {
      await peer.waitFor("stdout", /^hello/);
      await peer.write(encode("OK...hello"));
      await peer.waitFor("stdout", /^hellobye$/);
      await peer.write(encode("OK...bye"));
    })();
    // Both settle on their own (the client has a --timeout); wait for both,
    // so a failure on one side never leaves the other running.
    const [ran, typed] = await Promise.allSettled([client, typing]);
    if (ran.status === "rejected") throw ran.reason;
    const { code, stdout, stderr } = ran.value;
    if (typed.status === "rejected") throw typed.reason;
    assertEquals(code, 0, stderr);
    assertEquals(
      stdout,
      "Server reply : OK...hello\nServer reply : OK...bye\n",
    );
  },
);

interopTest(
  "time_client reads the exact date from socat answering with 4 fixed bytes",
  [socat],
  async () => {
    // 0xda98ebe5 = 3667454949 s after 1900 = 2016-03-20T09:29:09Z, the date
    // in the original tutorial's transcript. printf gets the bytes in octal
    // from the environment, away from socat's own quoting.
    await using peer = await startTool("socat", [
      "-d",
      "-d",
      "UDP-LISTEN:0,bind=127.0.0.1",
      'SYSTEM:printf "$RFC868_REPLY"',
    ], {
      env: { RFC868_REPLY: "\\332\\230\\353\\345" },
      ready: {
        stream: "stderr",
        pattern: /listening on UDP AF=2 127\.0\.0\.1:(\d+)/,
      },
    });
    const port = peer.ready?.[1] ?? "";
    // TZ=UTC in the child, so its local time is UTC.
    const { code, stdout, stderr } = await runScript("time_client", [
      "--port",
      port,
    ]);
    assertEquals(code, 0, stderr);
    assertEquals(stdout, "Sun Mar 20 09:29:09 2016\n");
  },
);

interopTest(
  "hello_client gets each reply from socat forking a one-line hello server",
  [socat],
  async () => {
    // UDP-RECVFROM cannot report a port it picked, so give it a free one.
    // Each datagram goes to a fresh child; `cat` reads the name, and the
    // child's reply leaves from the server's own port.
    const port = String(freePort());
    await using peer = await startTool("socat", [
      "-d",
      "-d",
      `UDP-RECVFROM:${port},bind=127.0.0.1,fork`,
      'SYSTEM:eval "$HELLO_PEER"',
    ], {
      env: { HELLO_PEER: `printf 'Hello, %s!' "$(cat)"` },
      ready: { stream: "stderr", pattern: /receiving on AF=2 127\.0\.0\.1:/ },
    });
    const { code, stdout, stderr } = await runScript("hello_client", [
      "--port",
      port,
    ]);
    assertEquals(code, 0, `${stderr}\nsocat: ${peer.stderr()}`);
    assertEquals(stdout, "Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n");
  },
);
