/**
 * Snippets that paste: for each page, the regions it shows of one script,
 * taken in the script's order after the script's own import lines, make a
 * file that type-checks on its own. A constant or helper a region uses must
 * be in a region the page shows, or imported.
 *
 * Each such file is written to a temporary folder, with the script's relative
 * imports (`../lib/cli.ts`) turned into the absolute file URLs they stand
 * for, and checked with `deno check` under the repository's `deno.json` (the
 * import map for `jsr:@std/...` and the `net` unstable flag). Type errors are
 * reported at their line in the script.
 *
 * Needs write access to the system's temporary folder.
 *
 * @module
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import { ROOT, runProcess } from "../_helpers.ts";
import {
  importLines,
  listPages,
  regionSpan,
  regionText,
  snippetImports,
} from "./_site.ts";

/** The regions one page shows of one script. */
interface Shown {
  /** The page, relative to `docs/`. */
  page: string;
  /** The script, relative to the repository, e.g. `scripts/echo_server.ts`. */
  script: string;
  /** The regions; empty if the page shows the whole script. */
  regions: string[];
}

/** What a page shows of each script, for every page that shows a script. */
async function shownScripts(): Promise<Shown[]> {
  const shown: Shown[] = [];
  for (const page of await listPages()) {
    const byScript = new Map<string, (string | undefined)[]>();
    for (const { file, region } of snippetImports(page.markdown)) {
      if (!file.startsWith("scripts/")) continue;
      byScript.set(file, [...byScript.get(file) ?? [], region]);
    }
    for (const [script, regions] of byScript) {
      const named = regions.includes(undefined) ? [] : [
        ...new Set(regions as string[]),
      ];
      shown.push({ page: page.file, script, regions: named });
    }
  }
  return shown;
}

/** The regions in the order they have in the script. */
function inFileOrder(source: string, regions: string[]): string[] {
  const start = (region: string) => {
    try {
      return regionSpan(source, region).start;
    } catch {
      throw new Error(`it has no region ${region}`);
    }
  };
  return regions.toSorted((a, b) => start(a) - start(b));
}

/** A file made of shown code, and where each of its lines comes from. */
interface Pasted {
  /** The file's text. */
  text: string;
  /** For each line of `text`, its index in the script and the indent removed. */
  origin: ({ line: number; indent: number } | undefined)[];
}

/**
 * The script's import lines, then the regions, separated by blank lines, as
 * a reader pastes them beside the script. Relative imports become absolute,
 * so the file may live anywhere.
 */
function paste(source: string, scriptUrl: URL, regions: string[]): Pasted {
  const lines = source.replaceAll("\r\n", "\n").split("\n");
  const imports = importLines(source);
  const absolute = (line: string) =>
    line.replace(
      /(["'])(\.\.?\/[^"']+)\1/,
      (_, quote, path) => `${quote}${new URL(path, scriptUrl).href}${quote}`,
    );
  if (regions.length === 0) {
    return {
      text: lines.map((l, i) => imports.includes(i) ? absolute(l) : l)
        .join("\n"),
      origin: lines.map((_, line) => ({ line, indent: 0 })),
    };
  }
  const out = imports.map((i) => absolute(lines[i]));
  const origin: Pasted["origin"] = imports.map((line) => ({ line, indent: 0 }));
  for (const region of regions) {
    const { shown, indent } = regionSpan(source, region);
    out.push("");
    origin.push(undefined);
    const text = regionText(source, region).split("\n");
    assertEquals(text.length, shown.length);
    out.push(...text);
    origin.push(...shown.map((line) => ({ line, indent })));
  }
  return { text: out.join("\n") + "\n", origin };
}

/** Rewrites `file:///tmp/…/x.ts:L:C` in `deno check`'s output to the script's lines. */
function traceBack(
  output: string,
  fileUrl: string,
  script: string,
  origin: Pasted["origin"],
): string {
  const escaped = fileUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return output.replace(
    new RegExp(`${escaped}:(\\d+):(\\d+)`, "g"),
    (_, line: string, column: string) => {
      const from = origin[Number(line) - 1];
      if (from === undefined) return `(a blank line between regions)`;
      return `${script}:${from.line + 1}:${Number(column) + from.indent}`;
    },
  );
}

/** A pasted file ready for `deno check`, or why it could not be made. */
type Prepared =
  & Shown
  & ({ url: string; origin: Pasted["origin"] } | {
    problem: string;
  });

/** Pastes what `shown` says into a file in `dir`. */
async function prepare(dir: string, shown: Shown): Promise<Prepared> {
  const { page, script, regions } = shown;
  const scriptUrl = new URL(script, `file://${ROOT}`);
  const source = await Deno.readTextFile(scriptUrl);
  let pasted: Pasted;
  let ordered: string[];
  try {
    ordered = inFileOrder(source, regions);
    pasted = paste(source, scriptUrl, ordered);
  } catch (error) {
    return { ...shown, problem: (error as Error).message };
  }
  const name = `${page.replace(/\.md$/, "").replaceAll("/", "_")}__${
    script.slice(script.lastIndexOf("/") + 1)
  }`;
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, pasted.text);
  return {
    ...shown,
    regions: ordered,
    url: new URL(`file://${path}`).href,
    origin: pasted.origin,
  };
}

/** `deno check`'s output cut into one block per error, its summary left out. */
function errorBlocks(output: string): string[] {
  return output.split(/\n(?=TS\d+ \[ERROR\])/)
    .filter((block) => /^TS\d+ \[ERROR\]/.test(block))
    .map((block) => block.replace(/\n+Found \d+ errors?\.[\s\S]*$/, "").trim());
}

/** The file an error block is reported at: its first `at file:///…:L:C`. */
function reportedAt(block: string): string | undefined {
  return /^\s+at (file:\/\/\S+?):\d+:\d+$/m.exec(block)?.[1];
}

Deno.test("site regions a page shows of a script type-check with its imports", async (t) => {
  const shown = await shownScripts();
  assert(shown.length > 0, "no page shows a region of a script");
  const dir = await Deno.makeTempDir({ prefix: "region_check_" });
  try {
    const prepared = await Promise.all(shown.map((s) => prepare(dir, s)));
    const files = prepared.flatMap((p) => "url" in p ? [p] : []);
    // One `deno check` for every file: one type-checker run, not one a page.
    const result = await runProcess(
      Deno.execPath(),
      [
        "check",
        "--quiet",
        `--config=${ROOT}deno.json`,
        ...files.map((f) => new URL(f.url).pathname),
      ],
      { timeoutMs: 180_000 },
    );
    const output = result.stderr + new TextDecoder().decode(result.stdout);
    const blocks = errorBlocks(output);
    for (const file of prepared) {
      const { page, script, regions } = file;
      const shownText = regions.length
        ? regions.map((r) => `#${r}`).join(", ")
        : "all";
      await t.step(`${page}: ${script} ${shownText}`, () => {
        if ("problem" in file) {
          throw new Error(`${page} imports ${script}, but ${file.problem}`);
        }
        const errors = blocks.filter((b) => reportedAt(b) === file.url)
          .map((b) => traceBack(b, file.url, script, file.origin));
        assertEquals(
          errors.length,
          0,
          `${page} shows ${shownText} of ${script}; pasted after the script's imports, into a file of their own, they do not type-check:\n\n${
            errors.join("\n\n")
          }\n`,
        );
      });
    }
    await t.step("deno check reports nothing else", () => {
      const urls = new Set(files.map((f) => f.url));
      const others = blocks.filter((b) => !urls.has(reportedAt(b) ?? ""));
      assertEquals(others, [], "type errors outside the pasted files");
      if (blocks.length === 0) {
        assertEquals(result.code, 0, `deno check failed:\n${output}`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
