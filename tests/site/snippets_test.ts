/**
 * The site shows every script, from the file itself, and credits the
 * originals: every `scripts/*.ts` is imported by some page with
 * `<<< @/../scripts/NAME.ts`, every import names a region that exists, and
 * every page links (or names) the original it ports.
 *
 * @module
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import { ROOT } from "../_helpers.ts";
import {
  listPages,
  ORIGINALS,
  ORIGINALS_ZH,
  PROGRAM_CREDITS,
  regionText,
  snippetImports,
} from "./_site.ts";

async function scriptNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}scripts`)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("site pages import every script in scripts/", async () => {
  const pages = await listPages();
  const imported = new Set(
    pages.flatMap((page) => snippetImports(page.markdown).map((i) => i.file)),
  );
  const missing = (await scriptNames())
    .filter((name) => !imported.has(`scripts/${name}`));
  assertEquals(
    missing,
    [],
    "these scripts are not imported by any page (<<< @/../scripts/NAME.ts#region)",
  );
});

Deno.test("site snippet imports name files and regions that exist", async (t) => {
  for (const page of await listPages()) {
    for (const { file, region } of snippetImports(page.markdown)) {
      await t.step(`${page.file}: ${file}#${region ?? ""}`, async () => {
        const source = await Deno.readTextFile(`${ROOT}${file}`);
        assert(regionText(source, region).trim() !== "", "the region is empty");
      });
    }
  }
});

Deno.test("site pages credit their originals", async (t) => {
  const pages = await listPages();
  for (const page of pages) {
    await t.step(page.file, () => {
      // A Chinese twin credits the same originals, by their Chinese names.
      const zh = page.file.startsWith("zh/");
      const names = zh ? ORIGINALS_ZH : ORIGINALS;
      const text = zh
        ? page.markdown.replace(/\s+/g, "")
        : page.markdown.replace(/\s+/g, " ");
      const required = PROGRAM_CREDITS[page.file.replace(/^zh\//, "")];
      if (required) {
        for (const key of required) {
          assert(
            text.includes(names[key]),
            `${page.file} must credit ${names[key]}`,
          );
        }
      } else {
        assert(
          Object.values(names).some((credit) => text.includes(credit)),
          `${page.file} credits none of the originals: link one of ${
            Object.values(names).join(", ")
          }`,
        );
      }
    });
  }
  for (const file of Object.keys(PROGRAM_CREDITS)) {
    assert(pages.some((page) => page.file === file), `${file} is missing`);
  }
});
