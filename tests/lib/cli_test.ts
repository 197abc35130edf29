import { assert, assertEquals, assertStringIncludes } from "jsr:@std/assert@^1";
import { libUrl, runCode } from "./_subprocess.ts";

/** A script with every kind of flag, run in its own process with `args`. */
function runDemo(args: string[], body = "console.log(JSON.stringify(flags));") {
  return runCode(
    `import { parseCommand, parseNumber, parsePort } from "${libUrl("cli.ts")}";
const flags = parseCommand({
  name: "demo",
  summary: "A demo.",
  string: ["port", "prefix", "timeout"],
  boolean: ["utc"],
  default: { port: "8888", prefix: "OK...", timeout: "5" },
  help: {
    "--port N": "UDP port",
    "--prefix TEXT": "text before each reply",
    "--timeout SECONDS": "how long to wait",
    "--utc": "print UTC",
  },
  positionals: "[NAME...]",
  notes: ["Pair it with demo_client."],
});
${body}`,
    { args },
  );
}

Deno.test("parseCommand() fills in defaults and keeps values as typed", async (t) => {
  await t.step("no arguments gives every default", async () => {
    const { code, stdout } = await runDemo([]);
    assertEquals(code, 0);
    assertEquals(JSON.parse(stdout), {
      _: [],
      port: "8888",
      prefix: "OK...",
      timeout: "5",
      utc: false,
    });
  });
  await t.step(
    "both spellings, a dash value, an empty value, positionals",
    async () => {
      const { stdout } = await runDemo([
        "--port=0",
        "--prefix",
        "-x",
        "--timeout",
        "",
        "--utc",
        "007",
        "--",
        "--port",
      ]);
      assertEquals(JSON.parse(stdout), {
        _: ["007", "--port"],
        port: "0",
        prefix: "-x",
        timeout: "",
        utc: true,
      });
    },
  );
});

Deno.test("parseCommand() refuses misuse with one line and exit 2", async (t) => {
  const cases: [string[], string][] = [
    [["--colour"], "unknown flag --colour"],
    [["--colour=red"], "unknown flag --colour"],
    [["-x"], "unknown flag -x"],
    // The user's own text is shown made safe, like text from the network.
    [["--\u202eroot\x1b[2J=1"], "unknown flag --\\u202eroot\\x1b[2J"],
    [
      ["--port", "8\u2066"],
      '--port must be a whole number from 0 to 65535, not "8\\u2066"',
    ],
    [
      ["--timeout", "\u0085"],
      '--timeout must be a number above 0 and at most 86400, not "\\u0085"',
    ],
    [["--port", "1", "--port", "2"], "--port is given 2 times"],
    [["--port"], "--port needs a value"],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, stdout, stderr } = await runDemo(
        args,
        `parsePort(flags.port);
parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 });`,
      );
      assertEquals(code, 2);
      assertEquals(stdout, "");
      assertEquals(
        stderr,
        `demo: ${message}. Usage: deno run -N scripts/demo.ts [options] [NAME...] (--help for more)\n`,
      );
    });
  }
});

Deno.test("parseCommand() prints --help with defaults and exits 0, even beside a bad value", async () => {
  const { code, stdout } = await runDemo(["--port", "nope", "-h"]);
  assertEquals(code, 0);
  assertEquals(
    stdout,
    `A demo.

Usage: deno run -N scripts/demo.ts [options] [NAME...]

Options:
  --port N           UDP port (default: 8888)
  --prefix TEXT      text before each reply (default: "OK...")
  --timeout SECONDS  how long to wait (default: 5)
  --utc              print UTC
  -h, --help         show this help and exit

Pair it with demo_client.
`,
  );
});

Deno.test("parsePort() takes a whole number from the minimum to 65535", async (t) => {
  for (
    const text of ["", "-1", "65536", "8e3", "0x10", " 80", "1.0", "999999"]
  ) {
    await t.step(`refuses ${JSON.stringify(text)}`, async () => {
      const { code, stderr } = await runDemo(
        [],
        `parsePort(${JSON.stringify(text)});`,
      );
      assertEquals(code, 2);
      assertStringIncludes(
        stderr,
        `--port must be a whole number from 0 to 65535, not ${
          JSON.stringify(text)
        }`,
      );
    });
  }
  await t.step(
    "accepts 0, 65535 and a leading zero; a client refuses 0",
    async () => {
      const { code, stdout, stderr } = await runDemo(
        [],
        `console.log(parsePort("0"), parsePort("65535"), parsePort("08888"));
parsePort("0", "port", 1);`,
      );
      assertEquals(stdout, "0 65535 8888\n");
      assertEquals(code, 2);
      assertStringIncludes(
        stderr,
        "--port must be a whole number from 1 to 65535",
      );
    },
  );
});

Deno.test("parseNumber() checks plain decimals against a range", async (t) => {
  const cases: [string, string, string][] = [
    [
      "0",
      `{ above: 0, max: 86400 }`,
      "--timeout must be a number above 0 and at most 86400",
    ],
    ["86401", `{ above: 0, max: 86400 }`, "at most 86400"],
    ["1e3", `{ above: 0, max: 86400 }`, 'not "1e3"'],
    [
      "-1",
      `{ min: 0, max: 1 }`,
      "--timeout must be a number from 0 to 1",
    ],
    [
      "2.5",
      `{ min: 1, max: 10, whole: true }`,
      "must be a whole number from 1",
    ],
  ];
  for (const [text, range, message] of cases) {
    await t.step(`refuses ${text} for ${range}`, async () => {
      const { code, stderr } = await runDemo(
        [],
        `parseNumber(${JSON.stringify(text)}, "timeout", ${range});`,
      );
      assertEquals(code, 2);
      assertStringIncludes(stderr, message);
    });
  }
  await t.step("accepts the bounds and the forms in between", async () => {
    const { stdout } = await runDemo(
      [],
      `console.log([parseNumber("86400", "t", { above: 0, max: 86400 }),
  parseNumber(".5", "t", { above: 0, max: 1 }), parseNumber("0", "t", { min: 0, max: 1 }),
  parseNumber("3.", "t", { min: 0, max: 5 }), parseNumber("7", "t", { min: 1, max: 7, whole: true })].join(" "));`,
    );
    assertEquals(stdout, "86400 0.5 0 3 7\n");
  });
});

Deno.test("fail() and usage() end the program with one line", async (t) => {
  await t.step("fail(): exit 1 by default", async () => {
    const result = await runDemo(
      [],
      `import { fail } from "${libUrl("cli.ts")}";
fail("no reply from 127.0.0.1:8888");`,
    );
    assertEquals([result.code, result.stderr], [
      1,
      "demo: no reply from 127.0.0.1:8888\n",
    ]);
  });
  await t.step(
    "an uncaught error after parseCommand() is one line and exit 1, no trace",
    async () => {
      const result = await runDemo(
        [],
        `await Promise.resolve();
throw new Error("it broke");`,
      );
      assertEquals([result.code, result.stderr], [1, "demo: it broke\n"]);
    },
  );
  await t.step(
    "an uncaught error's message is made safe: it may quote the user",
    async () => {
      const result = await runDemo(
        [],
        `await Promise.resolve();
throw new Error("no such host \\u202eevil\\n\\x1b[2J");`,
      );
      assertEquals([result.code, result.stderr], [
        1,
        "demo: no such host \\u202eevil\\n\\x1b[2J\n",
      ]);
    },
  );
  await t.step("a refused permission says to run with -N", async () => {
    const result = await runDemo(
      [],
      `await Promise.resolve();
Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });`,
    );
    assertEquals(result.code, 1);
    assertStringIncludes(result.stderr, "run with -N (--allow-net)");
    assertEquals(result.stderr.trimEnd().split("\n").length, 1);
  });
});

Deno.test("onStopSignal() calls back once on SIGINT and SIGTERM, then the process ends", async (t) => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    await t.step(signal, async () => {
      const result = await runCode(
        `import { onStopSignal } from "${libUrl("cli.ts")}";
onStopSignal(() => console.log("stopping"));
// A timer that would keep the process alive for a minute.
setTimeout(() => {}, 60_000);
Deno.kill(Deno.pid, "${signal}");`,
        { permissions: ["--allow-run"] },
      );
      assertEquals([result.code, result.stdout], [0, "stopping\n"]);
    });
  }
});

/** Runs `body` in the demo script, with fail() and reportIgnored() imported. */
function runReporting(body: string) {
  return runDemo(
    [],
    `import { fail, reportIgnored } from "${libUrl("cli.ts")}";\n${body}`,
  );
}

Deno.test("reportIgnored() prints at most one line a second, with a count", async (t) => {
  await t.step("one datagram: named at once", async () => {
    const result = await runReporting(
      `reportIgnored("10 bytes from 127.0.0.1:9: not the server");`,
    );
    assertEquals(
      result.stderr,
      "ignored 10 bytes from 127.0.0.1:9: not the server\n",
    );
  });
  await t.step(
    "a flood of 2.5 s: one line a second, every datagram counted",
    async () => {
      const result = await runReporting(
        `const end = Date.now() + 2_500;
let sent = 0;
while (Date.now() < end) {
  reportIgnored(\`datagram \${++sent}\`);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
console.log(sent);`,
      );
      assertEquals(result.code, 0, result.stderr);
      const sent = Number(result.stdout);
      const lines = result.stderr.trimEnd().split("\n");
      // At 0, 1 and 2 s, and the count still owed as the program ends: four
      // at most (three if a busy machine held a timer past the end).
      assert(lines.length >= 3 && lines.length <= 4, result.stderr);
      assertEquals(lines[0], "ignored datagram 1");
      let counted = 1;
      for (const line of lines.slice(1)) {
        const match =
          /^ignored ([\d,]+) more datagrams; the last: datagram (\d+)$/
            .exec(line);
        assert(match, line);
        counted += Number(match[1].replaceAll(",", ""));
        assertEquals(Number(match[2]), counted);
      }
      assertEquals(counted, sent);
    },
  );
  await t.step("the count owed comes before fail()'s line", async () => {
    const result = await runReporting(
      `for (const n of [1, 2, 3]) reportIgnored(\`datagram \${n}\`);
fail("no reply");`,
    );
    assertEquals([result.code, result.stderr], [
      1,
      "ignored datagram 1\n" +
      "ignored 2 more datagrams; the last: datagram 3\n" +
      "demo: no reply\n",
    ]);
  });
  await t.step(
    "one more within the second: named as it is, at the end",
    async () => {
      const result = await runReporting(
        `reportIgnored("datagram 1");
reportIgnored("datagram 2");`,
      );
      assertEquals([result.code, result.stderr], [
        0,
        "ignored datagram 1\nignored datagram 2\n",
      ]);
    },
  );
});
