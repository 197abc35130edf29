/**
 * Every file in scripts/minimal/, including those added later, in the format
 * the site renders and a reader copies: a header with `@title` and the `@run`
 * line, nothing imported, at most 30 lines of code, and a comment that starts
 * every step.
 */
import { assert, assertEquals, assertLessOrEqual } from "jsr:@std/assert@^1";
import { ROOT } from "../_helpers.ts";

const folder = `${ROOT}scripts/minimal`;
const files = [...Deno.readDirSync(folder)]
  .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
  .map((entry) => entry.name)
  .sort();

/** A line of code: not blank, and not starting with `//`, `/*` or `*`. */
function isCode(line: string): boolean {
  return !/^\s*($|\/\/|\/\*|\*)/.test(line);
}

Deno.test("scripts/minimal/ has a minimal file for every script in scripts/", () => {
  const scripts = [...Deno.readDirSync(`${ROOT}scripts`)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
    .map((entry) => entry.name);
  assert(scripts.length >= 11, "scripts/ holds the eleven programs");
  for (const name of scripts) {
    assert(files.includes(name), `scripts/minimal/${name} is missing`);
  }
});

for (const file of files) {
  const text = Deno.readTextFileSync(`${folder}/${file}`);
  const lines = text.split("\n");
  const headerEnd = lines.indexOf(" */");

  Deno.test(`minimal/${file} starts with a header: @title and its @run line`, () => {
    assertEquals(lines[0], "/**", "no shebang: the header comes first");
    assert(headerEnd > 0, "the header ends with a line ' */'");
    const header = lines.slice(0, headerEnd + 1);
    assert(
      header.some((line) => /^ \* @title \S/.test(line)),
      "a line ' * @title TITLE'",
    );
    assert(
      header.some((line) =>
        /^ \* @run -N --unstable-net <url>( \[[^\]]+\])*$/.test(line)
      ),
      "a line ' * @run -N --unstable-net <url> [port]…'",
    );
  });

  Deno.test(`minimal/${file} imports nothing`, () => {
    const code = lines.filter(isCode);
    for (const line of code) {
      assert(!/\bimport\b|\brequire\s*\(/.test(line), line);
    }
  });

  Deno.test(`minimal/${file} has at most 30 lines of code`, () => {
    assertLessOrEqual(lines.filter(isCode).length, 30);
  });

  Deno.test(`minimal/${file} begins every step with its comment`, () => {
    // The body is paragraphs parted by blank lines. Each starts with a run
    // of `//` lines at column 0 (the step's comment, shown beside its code),
    // followed by code; no other comment stands on a line of its own.
    const body = lines.slice(headerEnd + 1).join("\n").trim();
    const paragraphs = body.split(/\n\s*\n/);
    assert(paragraphs.length > 0 && body !== "", "the file has steps");
    for (const paragraph of paragraphs) {
      const rows = paragraph.split("\n");
      const comment = rows.findIndex((row) => !row.startsWith("// "));
      assert(comment > 0, `a step with no comment:\n${paragraph}`);
      const code = rows.slice(comment);
      assert(code.length > 0, `a comment with no code:\n${paragraph}`);
      for (const row of code) {
        assert(isCode(row), `a comment inside a step's code:\n${paragraph}`);
      }
    }
  });
}
