import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "jsr:@std/assert@^1";
import {
  CliError,
  type CommandSpec,
  flagName,
  formatHelp,
  parseCount,
  parseFlags,
  parsePort,
  parseProbability,
  parseSeconds,
  UsageError,
} from "../../lib/flags.ts";
import { libUrl, runCode } from "./_subprocess.ts";

/** A spec with one flag of every kind, as a script would declare it. */
const SPEC = {
  name: "demo",
  summary: "A demo that takes every kind of flag.",
  flags: {
    host: { kind: "string", default: "127.0.0.1", help: "the address" },
    port: { kind: "port", default: 8888, help: "the UDP port" },
    prefix: { kind: "string", default: "OK...", help: "the reply prefix" },
    message: { kind: "string", help: "text to send" },
    initialDelay: { kind: "seconds", default: 0.1, help: "the first wait" },
    drop: { kind: "probability", default: 0, help: "drop this share" },
    count: { kind: "count", default: 3, help: "how many" },
    utc: { kind: "boolean", help: "show UTC" },
  },
} as const satisfies CommandSpec;

const WITH_NAMES = { ...SPEC, positionals: "[NAME...]" } as const;

Deno.test("parsePort() accepts only a whole number from 0 to 65535", async (t) => {
  for (
    const text of ["65536", "-1", "8e3", "", "notaport", "99999", "123456"]
  ) {
    await t.step(`rejects ${JSON.stringify(text)}`, () => {
      assertThrows(
        () => parsePort(text),
        UsageError,
        `--port must be a whole number from 0 to 65535, not ${
          JSON.stringify(text)
        }`,
      );
    });
  }
  for (const text of [" 80", "80 ", "80.0", "0x50", "+80", "٨٠"]) {
    await t.step(`rejects ${JSON.stringify(text)}`, () => {
      assertThrows(() => parsePort(text), UsageError);
    });
  }
  await t.step("accepts 0, which lets the system pick a port", () => {
    assertEquals(parsePort("0"), 0);
  });
  await t.step("accepts 65535", () => {
    assertEquals(parsePort("65535"), 65535);
  });
  await t.step("accepts 8888 and a leading zero", () => {
    assertEquals(parsePort("8888"), 8888);
    assertEquals(parsePort("08888"), 8888);
  });
  await t.step("names the flag it was given", () => {
    assertThrows(() => parsePort("x", "to-port"), UsageError, "--to-port ");
  });
});

Deno.test("parseSeconds() accepts a plain number above 0 and at most a day", async (t) => {
  for (
    const text of [
      "0",
      "0.0",
      "-1",
      "",
      "1e3",
      "Infinity",
      "NaN",
      "86400.5",
      "86401",
      "1,5",
      "0x10",
    ]
  ) {
    await t.step(`rejects ${JSON.stringify(text)}`, () => {
      assertThrows(
        () => parseSeconds(text),
        UsageError,
        `--timeout must be a number of seconds above 0 and at most 86400, not ${
          JSON.stringify(text)
        }`,
      );
    });
  }
  await t.step("accepts the bounds and forms in between", () => {
    assertEquals(parseSeconds("0.001"), 0.001);
    assertEquals(parseSeconds(".5"), 0.5);
    assertEquals(parseSeconds("5."), 5);
    assertEquals(parseSeconds("2"), 2);
    assertEquals(parseSeconds("86400"), 86400);
  });
});

Deno.test("parseProbability() accepts a plain number from 0 to 1", async (t) => {
  for (const text of ["-0.1", "-0", "1.01", "2", "", "1e-1", "50%", "NaN"]) {
    await t.step(`rejects ${JSON.stringify(text)}`, () => {
      assertThrows(
        () => parseProbability(text),
        UsageError,
        `--drop must be a number from 0 to 1, not ${JSON.stringify(text)}`,
      );
    });
  }
  await t.step("accepts 0, 1 and fractions", () => {
    assertEquals(parseProbability("0"), 0);
    assertEquals(parseProbability("1"), 1);
    assertEquals(parseProbability("1.0"), 1);
    assertEquals(parseProbability("0.25"), 0.25);
    assertEquals(parseProbability(".5"), 0.5);
  });
});

Deno.test("parseCount() accepts a whole number from 1 to 1,000,000", async (t) => {
  for (const text of ["0", "-1", "1.5", "", "1e3", "1000001", "10000000"]) {
    await t.step(`rejects ${JSON.stringify(text)}`, () => {
      assertThrows(
        () => parseCount(text),
        UsageError,
        `--count must be a whole number from 1 to 1000000, not ${
          JSON.stringify(text)
        }`,
      );
    });
  }
  await t.step("accepts 1 and 1000000", () => {
    assertEquals(parseCount("1"), 1);
    assertEquals(parseCount("1000000"), 1_000_000);
  });
});

Deno.test("flagName() turns a camelCase key into a kebab-case flag", () => {
  assertEquals(flagName("port"), "port");
  assertEquals(flagName("initialDelay"), "initial-delay");
  assertEquals(flagName("maxDelay"), "max-delay");
});

Deno.test("parseFlags() rejects a bad port in every spelling", async (t) => {
  const cases: [string[], string][] = [
    [["--port", "65536"], "65536"],
    [["--port", "-1"], "-1"],
    [["--port=-1"], "-1"],
    [["--port", "8e3"], "8e3"],
    [["--port", ""], ""],
    [["--port="], ""],
    [["--port", "notaport"], "notaport"],
  ];
  for (const [args, value] of cases) {
    await t.step(args.join(" "), () => {
      assertThrows(
        () => parseFlags(args, SPEC),
        UsageError,
        `--port must be a whole number from 0 to 65535, not ${
          JSON.stringify(value)
        }`,
      );
    });
  }
  await t.step("--port with nothing after it", () => {
    assertThrows(() => parseFlags(["--port"], SPEC), UsageError, "--port");
  });
});

Deno.test("parseFlags() fills in defaults and checks each value", async (t) => {
  await t.step("no arguments gives every default", () => {
    assertEquals(parseFlags([], SPEC), {
      help: false,
      _: [],
      host: "127.0.0.1",
      port: 8888,
      prefix: "OK...",
      message: undefined,
      initialDelay: 0.1,
      drop: 0,
      count: 3,
      utc: false,
    });
  });
  await t.step("ports 0 and 65535", () => {
    assertEquals(parseFlags(["--port", "0"], SPEC).port, 0);
    assertEquals(parseFlags(["--port=65535"], SPEC).port, 65535);
  });
  await t.step("every kind of value, both spellings", () => {
    const flags = parseFlags([
      "--host=::1",
      "--port",
      "9999",
      "--message",
      "hi there",
      "--initial-delay",
      "0.2",
      "--drop=0.5",
      "--count",
      "10",
      "--utc",
    ], SPEC);
    assertEquals(flags.host, "::1");
    assertEquals(flags.port, 9999);
    assertEquals(flags.message, "hi there");
    assertEquals(flags.initialDelay, 0.2);
    assertEquals(flags.drop, 0.5);
    assertEquals(flags.count, 10);
    assertEquals(flags.utc, true);
  });
  await t.step("a text value that starts with a dash", () => {
    assertEquals(parseFlags(["--message", "-1"], SPEC).message, "-1");
    assertEquals(parseFlags(["--message", "--port"], SPEC).message, "--port");
  });
  await t.step('an empty text value (--prefix "" for plain echo)', () => {
    assertEquals(parseFlags(["--prefix", ""], SPEC).prefix, "");
    assertEquals(parseFlags(["--prefix="], SPEC).prefix, "");
  });
  await t.step("a number-like text value stays text", () => {
    assertEquals(parseFlags(["--message", "007"], SPEC).message, "007");
    assertEquals(parseFlags(["--host", "1e3"], SPEC).host, "1e3");
  });
  await t.step("the last of a repeated flag wins", () => {
    assertEquals(parseFlags(["--port", "1", "--port", "2"], SPEC).port, 2);
  });
  await t.step("seconds, probability and count out of bounds", () => {
    assertThrows(
      () => parseFlags(["--initial-delay", "0"], SPEC),
      UsageError,
      "--initial-delay must be a number of seconds above 0",
    );
    assertThrows(
      () => parseFlags(["--drop", "1.5"], SPEC),
      UsageError,
      "--drop must be a number from 0 to 1",
    );
    assertThrows(
      () => parseFlags(["--count", "0"], SPEC),
      UsageError,
      "--count must be a whole number from 1 to 1000000",
    );
  });
});

Deno.test("parseFlags() uses kebab-case names for camelCase keys", () => {
  assertEquals(parseFlags(["--initial-delay", "1.5"], SPEC).initialDelay, 1.5);
  assertThrows(
    () => parseFlags(["--initialDelay", "1.5"], SPEC),
    UsageError,
    "unknown flag --initialDelay",
  );
});

Deno.test("parseFlags() rejects an unknown flag", async (t) => {
  await t.step("a long flag", () => {
    assertThrows(
      () => parseFlags(["--bogus"], SPEC),
      UsageError,
      "unknown flag --bogus",
    );
  });
  await t.step("a long flag with a value", () => {
    assertThrows(
      () => parseFlags(["--timeout=5"], SPEC),
      UsageError,
      "unknown flag --timeout",
    );
  });
  await t.step("a short flag", () => {
    assertThrows(() => parseFlags(["-x"], SPEC), UsageError, "unknown flag -x");
  });
  await t.step("a negated flag", () => {
    assertThrows(
      () => parseFlags(["--no-utc"], SPEC),
      UsageError,
      "unknown flag --no-utc",
    );
  });
});

Deno.test("parseFlags() sees --help and -h", () => {
  assertEquals(parseFlags(["--help"], SPEC).help, true);
  assertEquals(parseFlags(["-h"], SPEC).help, true);
  assertEquals(parseFlags(["--port", "1"], SPEC).help, false);
});

Deno.test("parseFlags() takes positional arguments only when the spec has some", async (t) => {
  await t.step("rejected when the spec has none", () => {
    assertThrows(
      () => parseFlags(["extra"], SPEC),
      UsageError,
      'unexpected argument "extra"',
    );
    assertThrows(
      () => parseFlags(["--port", "1", "a", "b"], SPEC),
      UsageError,
      'unexpected argument "a"',
    );
  });
  await t.step("kept in order when it has some", () => {
    const flags = parseFlags(["Ann", "--port", "1", "Bob"], WITH_NAMES);
    assertEquals(flags._, ["Ann", "Bob"]);
    assertEquals(flags.port, 1);
  });
  await t.step("kept as typed, even when they look like numbers", () => {
    assertEquals(parseFlags(["007", "1e3", "0x10"], WITH_NAMES)._, [
      "007",
      "1e3",
      "0x10",
    ]);
  });
  await t.step("after --, even when they look like flags", () => {
    assertEquals(parseFlags(["--", "-x", "--port"], WITH_NAMES)._, [
      "-x",
      "--port",
    ]);
  });
  await t.step("named as typed in the error", () => {
    assertThrows(
      () => parseFlags(["007"], SPEC),
      UsageError,
      'unexpected argument "007"',
    );
  });
});

Deno.test("formatHelp() lists every flag with its default", () => {
  const help = formatHelp({ ...WITH_NAMES, notes: ["Talks to: demo_server"] });
  const lines = help.split("\n");
  assertEquals(lines[0], SPEC.summary);
  assertStringIncludes(
    help,
    "Usage: deno run -N scripts/demo.ts [options] [NAME...]",
  );
  const expected = [
    ["--host TEXT", 'the address (default: "127.0.0.1")'],
    ["--port N", "the UDP port (default: 8888)"],
    ["--prefix TEXT", 'the reply prefix (default: "OK...")'],
    ["--message TEXT", "text to send"],
    ["--initial-delay SECONDS", "the first wait (default: 0.1)"],
    ["--drop P", "drop this share (default: 0)"],
    ["--count N", "how many (default: 3)"],
    ["--utc", "show UTC"],
    ["-h, --help", "show this help and exit"],
  ];
  // One line per flag, the help texts starting in one column.
  const columns = new Set<number>();
  for (const [flag, text] of expected) {
    const line = lines.find((line) => line.startsWith(`  ${flag} `));
    assert(line !== undefined, `no line for ${flag} in:\n${help}`);
    assertEquals(line.slice(2 + flag.length).trim(), text);
    columns.add(line.length - text.length);
  }
  assertEquals(columns.size, 1, `help texts not aligned:\n${help}`);
  assertEquals(lines.at(-1), "Talks to: demo_server");
});

Deno.test("formatHelp() leaves out positionals and notes a spec lacks", () => {
  const help = formatHelp({
    name: "bare",
    summary: "Bare.",
    flags: { port: { kind: "port", help: "the port" } },
  });
  assertEquals(
    help,
    [
      "Bare.",
      "",
      "Usage: deno run -N scripts/bare.ts [options]",
      "",
      "Options:",
      "  --port N    the port",
      "  -h, --help  show this help and exit",
    ].join("\n"),
  );
});

Deno.test("UsageError and CliError carry what runCommand() needs", () => {
  const usage = new UsageError("bad");
  assert(usage instanceof Error);
  assertEquals(usage.name, "UsageError");
  assertEquals(usage.message, "bad");
  const cli = new CliError("no reply");
  assert(cli instanceof Error);
  assertEquals(cli.name, "CliError");
  assertEquals(cli.exitCode, 1);
  assertEquals(new CliError("x", 3).exitCode, 3);
});

/** Code for a process that runs `main` under runCommand() with SPEC. */
function program(main: string): string {
  return `import { CliError, runCommand, UsageError } from "${
    libUrl("flags.ts")
  }";
import { printLine } from "${libUrl("output.ts")}";
const SPEC = ${JSON.stringify(SPEC)};
await runCommand(SPEC, async (flags) => {
  ${main}
});`;
}

Deno.test("runCommand() ends the process as a user expects", async (t) => {
  await t.step("--help prints the help and exits 0", async () => {
    const result = await runCode(program("console.log('ran');"), {
      args: ["--help"],
    });
    assertEquals(result, {
      code: 0,
      signal: null,
      stdout: formatHelp(SPEC) + "\n",
      stderr: "",
    });
  });
  await t.step("a usage error is one line on stderr and exit 2", async () => {
    const result = await runCode(program("console.log('ran');"), {
      args: ["--port", "65536"],
    });
    assertEquals(result, {
      code: 2,
      signal: null,
      stdout: "",
      stderr:
        'demo: --port must be a whole number from 0 to 65535, not "65536". ' +
        "Usage: deno run -N scripts/demo.ts [options] (--help for more)\n",
    });
  });
  await t.step(
    "a UsageError from main is a usage line and exit 2",
    async () => {
      const result = await runCode(
        program(`throw new UsageError("--to must be a broadcast address");`),
      );
      assertEquals(result, {
        code: 2,
        signal: null,
        stdout: "",
        stderr: "demo: --to must be a broadcast address. " +
          "Usage: deno run -N scripts/demo.ts [options] (--help for more)\n",
      });
    },
  );
  await t.step(
    "a CliError is its message on stderr and its exit code",
    async () => {
      const result = await runCode(
        program(`printLine("before"); throw new CliError("no reply", 3);`),
      );
      assertEquals(result, {
        code: 3,
        signal: null,
        stdout: "before\n",
        stderr: "demo: no reply\n",
      });
    },
  );
  await t.step("a finished main flushes queued lines and exits 0", async () => {
    const result = await runCode(
      program(`printLine("port " + flags.port); printLine(flags.prefix);`),
      { args: ["--port", "0"] },
    );
    assertEquals(result, {
      code: 0,
      signal: null,
      stdout: "port 0\nOK...\n",
      stderr: "",
    });
  });
  await t.step("a bug is not hidden: other errors still fail", async () => {
    const result = await runCode(
      program(`printLine("before"); throw new TypeError("oops");`),
    );
    assertEquals(result.code, 1);
    assertEquals(result.stdout, "before\n");
    assertStringIncludes(result.stderr, "TypeError: oops");
  });
});
