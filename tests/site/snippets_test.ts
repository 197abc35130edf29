/**
 * The site shows every script, from the file itself, and credits the
 * originals: every `scripts/*.ts` is imported by some page with
 * `<<< @/../scripts/NAME.ts`, every `scripts/minimal/*.ts` is shown whole by
 * some page with `<<<< @/../scripts/minimal/NAME.ts`, every import names a
 * file and region that exist, every program page (in both languages) shows
 * its minimal files before any region of a full script, and every page links
 * (or names) the original it ports.
 *
 * @module
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import { ROOT } from "../_helpers.ts";
import {
  listPages,
  literateImports,
  ORIGINALS,
  ORIGINALS_ZH,
  PROGRAM_CREDITS,
  regionText,
  snippetImports,
} from "./_site.ts";

async function scriptNames(folder = "scripts"): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${folder}`)) {
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

Deno.test("site pages show every minimal file in scripts/minimal/", async () => {
  const pages = await listPages();
  const shown = new Set(
    pages.flatMap((page) => literateImports(page.markdown)),
  );
  const names = await scriptNames("scripts/minimal");
  assert(names.length > 0, "scripts/minimal/ has no files");
  const missing = names.filter((name) => !shown.has(`scripts/minimal/${name}`));
  assertEquals(
    missing,
    [],
    "these minimal files are not shown by any page (<<<< @/../scripts/minimal/NAME.ts)",
  );
  const absent = [...shown].filter((file) =>
    !names.some((name) => file === `scripts/minimal/${name}`)
  );
  assertEquals(absent, [], "pages show minimal files that do not exist");
});

Deno.test("program pages show their minimal files before any region of a full script", async (t) => {
  const programs = (await listPages()).filter((page) =>
    /^(zh\/)?programs\//.test(page.file)
  );
  assert(programs.length > 0, "no program pages");
  for (const page of programs) {
    await t.step(page.file, () => {
      const lines = page.markdown.split("\n");
      const lastMinimal = lines.findLastIndex((l) => /^<<<<\s/.test(l));
      const firstRegion = lines.findIndex((l) =>
        /^\s*<<< @\/\.\.\/scripts\/[\w.]+#/.test(l)
      );
      assert(lastMinimal !== -1, `${page.file} shows no minimal file`);
      assert(
        firstRegion === -1 || lastMinimal < firstRegion,
        `${page.file} shows a region of a full script (line ${
          firstRegion + 1
        }) before its minimal files (line ${lastMinimal + 1})`,
      );
    });
  }
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
