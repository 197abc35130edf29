/**
 * Every script's command line: `--help`, a bad port and an unknown flag.
 */
import {
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import {
  addressOf,
  loopbackSocket,
  ROOT,
  runScript,
  within,
} from "../_helpers.ts";

const SCRIPTS = [
  "echo_server",
  "echo_client",
  "hello_server",
  "hello_client",
  "time_server",
  "time_client",
  "size_server",
  "size_client",
  "improved_client",
  "broadcast_sender",
  "broadcast_listener",
];

for (const name of SCRIPTS) {
  Deno.test(`${name} --help exits 0 and lists its flags`, async () => {
    const { code, stdout, stderr } = await runScript(name, ["--help"]);
    assertEquals(code, 0, stderr);
    assertStringIncludes(stdout, `deno run -N scripts/${name}.ts`);
    for (const flag of ["--host", "--port", "-h, --help"]) {
      assertStringIncludes(stdout, flag);
    }
  });

  Deno.test(`${name} rejects --port notaport with one line and exit 2`, async () => {
    const { code, stdout, stderr } = await runScript(name, [
      "--port",
      "notaport",
    ]);
    assertEquals(code, 2);
    assertEquals(stdout, "");
    assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    assertMatch(stderr, /--port must be a whole number from [01] to 65535/);
    assertMatch(stderr, /Usage: deno run -N scripts\//);
  });

  Deno.test(`${name} rejects an unknown flag with one line and exit 2`, async () => {
    const { code, stderr } = await runScript(name, ["--colour", "red"]);
    assertEquals(code, 2);
    assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    assertStringIncludes(stderr, "unknown flag --colour");
  });
}

Deno.test("a bad number anywhere exits 2 and names the flag", async (t) => {
  const cases: [string, string[], string][] = [
    ["echo_client", ["--timeout", "0"], "--timeout"],
    ["size_server", ["--drop", "1.5"], "--drop"],
    ["improved_client", ["--initial-delay", "-1"], "--initial-delay"],
    ["broadcast_sender", ["--count", "2.5"], "--count"],
    ["time_server", ["--port", "65536"], "--port"],
    ["echo_server", ["--port", "8e3"], "--port"],
    ["echo_server", ["--port="], "--port"],
  ];
  for (const [name, args, flag] of cases) {
    await t.step(`${name} ${args.join(" ")}`, async () => {
      const { code, stderr } = await runScript(name, args);
      assertEquals(code, 2);
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertStringIncludes(stderr, `${flag} must be`);
    });
  }
});

Deno.test("a server on a taken port says so in one line and exits 1", async () => {
  using taken = loopbackSocket();
  const port = String(addressOf(taken).port);
  const { code, stderr } = await runScript("echo_server", ["--port", port]);
  assertEquals(code, 1);
  assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
  assertStringIncludes(stderr, "already in use");
  assertStringIncludes(stderr, "--port");
});

Deno.test("--help wins over a bad value given with it", async () => {
  const { code, stdout } = await runScript("size_client", [
    "--port",
    "x",
    "--help",
  ]);
  assertEquals(code, 0);
  assertStringIncludes(stdout, "--message TEXT");
});

Deno.test("a flag with no value at the end exits 2 and says it needs one", async () => {
  const { code, stderr } = await runScript("size_client", ["--message"]);
  assertEquals(code, 2);
  assertStringIncludes(stderr, "--message needs a value");
});

Deno.test("hello_client keeps numeric-looking names as typed", async () => {
  using server = loopbackSocket();
  const client = runScript("hello_client", [
    "--port",
    String(addressOf(server).port),
    "--timeout",
    "0.2",
    "007",
  ]);
  const [name] = await within(5_000, "the name", server.receive());
  assertEquals(new TextDecoder().decode(name), "007");
  await client;
});

/** Runs echo_server for a moment, on a pseudo-terminal or a pipe, and returns its output. */
async function readyLineOutput(
  terminal: boolean,
  env: Record<string, string>,
): Promise<string> {
  const server =
    `timeout -s INT 1 ${Deno.execPath()} run -N scripts/echo_server.ts --port 0`;
  const args = terminal
    ? ["script", "-qec", server, "/dev/null"]
    : ["sh", "-c", server];
  const child = new Deno.Command(args[0], {
    args: args.slice(1),
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      TERM: "xterm",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const { stdout } = await within(
    10_000,
    "echo_server to stop",
    child.output(),
  );
  return new TextDecoder().decode(stdout);
}

Deno.test("servers colour their ready line only on a terminal with NO_COLOR unset", async (t) => {
  await t.step("terminal: green", async () => {
    const out = await readyLineOutput(true, {});
    assertStringIncludes(out, "\x1b[32mecho server listening on 127.0.0.1:");
  });
  await t.step("terminal with NO_COLOR=1: plain", async () => {
    const out = await readyLineOutput(true, { NO_COLOR: "1" });
    assertStringIncludes(out, "echo server listening on 127.0.0.1:");
    assertEquals(out.includes("\x1b["), false);
  });
  await t.step("pipe: plain", async () => {
    const out = await readyLineOutput(false, {});
    assertStringIncludes(out, "echo server listening on 127.0.0.1:");
    assertEquals(out.includes("\x1b["), false);
  });
});

Deno.test("the user's own text is printed made safe, like text from the network", async (t) => {
  // A right-to-left override and a clear-screen sequence, as a person could
  // paste them; each must show as its escape, never raw.
  const evil = "x\u202Ey\x1b[2J";
  const shown = "x\\u202ey\\x1b[2J";
  // deno-lint-ignore no-control-regex -- matching them is the point
  const raw = /[\x1b\u202a-\u202e\u2066-\u2069]/;
  const cases: [string, string, string[], string][] = [
    [
      "the --host a server cannot listen on",
      "echo_server",
      ["--host", evil, "--port", "0"],
      `cannot listen on ${shown}:0`,
    ],
    [
      "an unknown flag's name",
      "echo_client",
      [`--${evil}`],
      `unknown flag --${shown}`,
    ],
    [
      "a --host that cannot be resolved",
      "hello_client",
      ["--host", evil],
      `cannot resolve "${shown}"`,
    ],
    [
      "the message sent",
      "size_client",
      ["--message", evil, "--timeout", "0.2"],
      `Sent to server: ${shown}\n`,
    ],
    [
      "the message broadcast",
      "broadcast_sender",
      ["--message", evil, "--port", "9"],
      `Sent "${shown}" to 127.255.255.255:9 (1/1)\n`,
    ],
    [
      "a --host that is not IPv4",
      "broadcast_sender",
      ["--host", `::${evil}`],
      `IPv6 has no broadcast), not "::${shown}"`,
    ],
  ];
  for (const [what, name, args, expected] of cases) {
    await t.step(`${name}: ${what}`, async () => {
      using silent = loopbackSocket();
      const port = String(addressOf(silent).port);
      const withPort = name === "size_client"
        ? [...args, "--port", port]
        : args;
      const { stdout, stderr } = await runScript(name, withPort);
      assertStringIncludes(stdout + stderr, expected);
      assertEquals(raw.test(stdout + stderr), false, stdout + stderr);
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    });
  }
});
