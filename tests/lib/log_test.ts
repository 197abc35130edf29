import { assert, assertEquals } from "jsr:@std/assert@^1";
import { within } from "../_helpers.ts";
import { libUrl, runCode, startCode } from "./_subprocess.ts";

const IMPORT = `import { flushLog, log, warn } from "${libUrl("log.ts")}";`;

Deno.test("log() writes each line once, in order, as UTF-8", async () => {
  const result = await runCode(`${IMPORT}
for (let i = 0; i < 30000; i++) log("line " + String(i).padStart(5, "0"));
log("grüße");
warn("to stderr");
await flushLog();`);
  assertEquals(result.code, 0, result.stderr);
  const expected = Array.from(
    { length: 30_000 },
    (_, i) => `line ${String(i).padStart(5, "0")}\n`,
  ).join("") + "grüße\n";
  assertEquals(result.stdout, expected);
  assertEquals(result.stderr, "to stderr\n");
});

Deno.test("log`…` shows addresses, network bytes made safe, strings and numbers", async () => {
  const result = await runCode(`${IMPORT}
const bytes = (text) => new TextEncoder().encode(text);
const v4 = { transport: "udp", hostname: "127.0.0.1", port: 40000 };
const v6 = { transport: "udp", hostname: "::1", port: 7 };
const mapped = { transport: "udp", hostname: "::ffff:10.0.0.2", port: 65535 };
log\`Message[\${v4}] - \${bytes("hello\\n")}\`;
log\`Message[\${v6}] - \${bytes("\\x1b[2Jhi")}\`;
log\`Message[\${mapped}] - \${bytes("OK" + " ".repeat(300))}\`;
log\`\${bytes("x".repeat(201))}\`;
log\`\${"grüße"}, \${42} and \${bytes("déjà vu")}\`;
await flushLog();`);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(
    result.stdout.split("\n"),
    [
      "Message[127.0.0.1:40000] - hello",
      "Message[[::1]:7] - \\x1b[2Jhi",
      "Message[10.0.0.2:65535] - OK [… 302 bytes in all]",
      "x".repeat(200) + " [… 201 bytes in all]",
      "grüße, 42 and déjà vu",
      "",
    ],
  );
});

Deno.test("log`…` keeps each call site's text apart when sites take turns", async () => {
  const result = await runCode(`${IMPORT}
const from = { transport: "udp", hostname: "127.0.0.1", port: 40000 };
for (let i = 0; i < 3; i++) {
  log\`Received from \${from}.\`;
  log\`Dropped \${i}\`;
}
log\`Received from \${from}.\`;
await flushLog();`);
  assertEquals(result.code, 0, result.stderr);
  assertEquals(
    result.stdout,
    [
      "Received from 127.0.0.1:40000.",
      "Dropped 0",
      "Received from 127.0.0.1:40000.",
      "Dropped 1",
      "Received from 127.0.0.1:40000.",
      "Dropped 2",
      "Received from 127.0.0.1:40000.",
      "",
    ].join("\n"),
  );
});

Deno.test("log`…` shows an address in cyan when colour is on", async () => {
  const result = await runCode(
    `${IMPORT}
import { setColorEnabled } from "jsr:@std/fmt@^1/colors";
setColorEnabled(true);
const from = { transport: "udp", hostname: "127.0.0.1", port: 9 };
log\`Received from \${from}.\`;
await flushLog();`,
    { env: { NO_COLOR: "" } },
  ); // an empty NO_COLOR is unset
  assertEquals(result.stdout, "Received from \x1b[36m127.0.0.1:9\x1b[39m.\n");
});

Deno.test("log() shows a line at once while the program runs", async () => {
  await using running = startCode(`${IMPORT}
log("ready");
setTimeout(() => {}, 60_000);`);
  assertEquals(await running.waitForOutput("ready\n", 5_000), "ready\n");
});

Deno.test("log() never blocks: on a pipe nobody reads, lines are dropped, counted, then reported", async () => {
  // 20,000 lines of 200 bytes: far more than the pipe and the queue hold.
  await using running = startCode(
    `${IMPORT}
const started = performance.now();
for (let i = 0; i < 20000; i++) log(i + " " + "x".repeat(200));
console.error("logged in " + Math.round(performance.now() - started) + " ms");
await flushLog(20_000);`,
    { ownStdout: true },
  );
  // Read nothing for a while: the logging loop must finish meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const stdout = await within(
    20_000,
    "stdout to end",
    new Response(running.child.stdout).text(),
  );
  const { stderr } = await running.finished();
  const [, ms] = /^logged in (\d+) ms\n$/.exec(stderr) ?? [];
  assert(Number(ms) < 1_000, `logging waited on the pipe: ${stderr}`);
  const lines = stdout.trimEnd().split("\n");
  const summary = lines.at(-1) ?? "";
  const [, count] = /^… ([\d,]+) log lines dropped$/.exec(summary) ?? [];
  assert(count !== undefined, `no summary line; the last line is ${summary}`);
  const dropped = Number(count.replaceAll(",", ""));
  assertEquals(lines.length - 1 + dropped, 20_000);
  assert(dropped > 0);
  // The lines that were kept are the first ones, in order.
  lines.slice(0, -1).forEach((line, i) => assert(line.startsWith(`${i} `)));
});

Deno.test("log() drops lines quietly once the reader has gone", async () => {
  await using running = startCode(
    `${IMPORT}
log("first");
await new Promise((resolve) => setTimeout(resolve, 500));
for (let i = 0; i < 1000; i++) log("after the reader went away " + i);
await flushLog();
console.error("still running");`,
    { ownStdout: true },
  );
  const reader = running.child.stdout.getReader();
  await reader.read();
  await reader.cancel();
  const result = await running.finished();
  assertEquals([result.code, result.stderr], [0, "still running\n"]);
});
