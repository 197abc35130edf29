/**
 * The literate blocks' reading of a minimal file (`.vitepress/literate.mts`):
 * the header's title, run line and sentences, and the steps, each comment
 * with the code after it. Every file of `scripts/minimal/` reads whole: its
 * steps hold every line of its body, and each step has a comment.
 *
 * @module
 */
import { assertEquals, assertThrows } from "jsr:@std/assert@^1";
import { ROOT } from "../_helpers.ts";
import { parseLiterate } from "../../.vitepress/literate.mts";

const FILE = [
  "/**",
  " * @title Echo, the core",
  " * @run -N --unstable-net <url> [port]",
  " *",
  " * Answers every datagram.",
  " * Twice as nice.",
  " *",
  " * A second paragraph.",
  " */",
  "",
  "// The socket: one call.",
  "// 127.0.0.1 keeps it here.",
  "const conn = Deno.listenDatagram({ port: 0 });",
  "// Not a step: no blank line before it.",
  "",
  "// The loop.",
  "for await (const [data, from] of conn) {",
  "  // Indented: part of the code.",
  "",
  "  await conn.send(data, from); // trailing, part of the code",
  "}",
  "",
].join("\n");

Deno.test("parseLiterate reads the header's title, run line and sentences", () => {
  const file = parseLiterate(FILE);
  assertEquals(file.title, "Echo, the core");
  assertEquals(file.run, "-N --unstable-net <url> [port]");
  assertEquals(file.about, [
    "Answers every datagram. Twice as nice.",
    "A second paragraph.",
  ]);
});

Deno.test("parseLiterate starts a step at a comment after a blank line, only", () => {
  assertEquals(parseLiterate(FILE).steps, [
    {
      comment: ["The socket: one call.", "127.0.0.1 keeps it here."],
      code: [
        "const conn = Deno.listenDatagram({ port: 0 });",
        "// Not a step: no blank line before it.",
      ].join("\n"),
    },
    {
      comment: ["The loop."],
      code: [
        "for await (const [data, from] of conn) {",
        "  // Indented: part of the code.",
        "",
        "  await conn.send(data, from); // trailing, part of the code",
        "}",
      ].join("\n"),
    },
  ]);
});

Deno.test("parseLiterate refuses a file without its header, @title or @run", () => {
  assertThrows(
    () => parseLiterate("// no header\nconst x = 1;\n"),
    Error,
    "header",
  );
  assertThrows(
    () => parseLiterate("/**\n * @run <url>\n */\n\nconst x = 1;\n"),
    Error,
    "@title",
  );
  assertThrows(
    () => parseLiterate("/**\n * @title X\n */\n\nconst x = 1;\n"),
    Error,
    "@run",
  );
});

Deno.test("every minimal file reads whole, a comment before each step", async (t) => {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}scripts/minimal`)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name);
  }
  for (const name of names.sort()) {
    await t.step(name, async () => {
      const source = await Deno.readTextFile(`${ROOT}scripts/minimal/${name}`);
      const file = parseLiterate(source);
      assertEquals(
        file.steps.filter((step) => step.comment.length === 0).length,
        0,
        `${name} has code before its first comment`,
      );
      const body = source.slice(source.indexOf("*/\n") + 3);
      const shown = file.steps.flatMap((step) => [
        ...step.comment.map((line) => line === "" ? "//" : `// ${line}`),
        ...step.code.split("\n"),
      ]);
      const nonBlank = (lines: string[]) =>
        lines.filter((l) => l.trim() !== "");
      assertEquals(nonBlank(shown), nonBlank(body.split("\n")));
    });
  }
});
