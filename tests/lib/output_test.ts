import { assertEquals } from "jsr:@std/assert@^1";
import { libUrl, runCode, startCode } from "./_subprocess.ts";

const IMPORT = `import { flushOutput, printLine } from "${
  libUrl("output.ts")
}";`;

Deno.test("flushOutput() with nothing queued writes nothing", async () => {
  const result = await runCode(`${IMPORT}
flushOutput();
flushOutput();`);
  assertEquals(result, { code: 0, signal: null, stdout: "", stderr: "" });
});

Deno.test("printLine() writes each line once, in order, with a newline", async (t) => {
  await t.step("a few lines, then flushOutput()", async () => {
    const result = await runCode(`${IMPORT}
printLine("one");
printLine("");
printLine("three");
flushOutput();
flushOutput();`);
    assertEquals(result, {
      code: 0,
      signal: null,
      stdout: "one\n\nthree\n",
      stderr: "",
    });
  });
  await t.step("text that is not ASCII is written as UTF-8", async () => {
    const result = await runCode(`${IMPORT}
printLine("héllo, 世界 🌍");
flushOutput();`);
    assertEquals(result.stdout, "héllo, 世界 🌍\n");
  });
  await t.step("lines queued before and after a flush", async () => {
    const result = await runCode(`${IMPORT}
printLine("a");
flushOutput();
printLine("b");
flushOutput();`);
    assertEquals(result.stdout, "a\nb\n");
  });
});

Deno.test("printLine() keeps every line in order past its 64 KiB buffer", async () => {
  // 30,000 lines of 10 bytes: the buffer fills and is written several times.
  const result = await runCode(`${IMPORT}
for (let i = 0; i < 30000; i++) printLine("line " + String(i).padStart(5, "0"));
flushOutput();`);
  assertEquals(result.code, 0, result.stderr);
  const expected = Array.from(
    { length: 30_000 },
    (_, i) => `line ${String(i).padStart(5, "0")}\n`,
  ).join("");
  assertEquals(result.stdout.length, expected.length);
  assertEquals(result.stdout, expected);
});

Deno.test("printLine() shows a line soon on its own while the program runs", async () => {
  // No flushOutput(): the line must come out while the process still runs.
  await using running = startCode(`${IMPORT}
printLine("ready");
setTimeout(() => {}, 60_000);`);
  assertEquals(await running.waitForOutput("ready\n", 5_000), "ready\n");
});

Deno.test("flushOutput() drops lines rather than crash when stdout is closed", async () => {
  // The reader of the pipe goes away, as with `script | head -1`. Once a
  // plain write fails, flushOutput() must fail quietly too.
  await using running = startCode(
    `${IMPORT}
const encoder = new TextEncoder();
for (let i = 0; i < 1000; i++) {
  printLine("tick " + i);
  flushOutput();
  try {
    Deno.stdout.writeSync(encoder.encode("probe\\n"));
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    printLine("after the reader went away");
    flushOutput();
    console.error("still running");
    Deno.exit(0);
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.error("stdout was never closed");
Deno.exit(3);`,
    { ownStdout: true },
  );
  const reader = running.child.stdout.getReader();
  await reader.read();
  await reader.cancel();
  const result = await running.finished();
  assertEquals(result.code, 0);
  assertEquals(result.stderr, "still running\n");
});
