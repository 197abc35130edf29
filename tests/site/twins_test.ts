/**
 * Keeps the Chinese edition in step with the English one. Every page under
 * `docs/` (but `docs/zh/`) has a twin at the same path under `docs/zh/`, and
 * the twin has:
 *
 * - the same headings: count, levels, order and anchors (explicit
 *   `{#anchor}` or the slug VitePress makes), so that a link to a section,
 *   and the language switch, which keeps the `#anchor`, land on the same
 *   section in both editions;
 * - the same code, in the same order: `<<<` imports, `<<<<` literate
 *   blocks, `<RunByUrl />` and `<SourceLink />` tags, fenced blocks byte for
 *   byte (but the `# comments` of shell commands, and the titles of code
 *   group tabs, which are translated), `::: code-group` boxes; diagrams have
 *   translated labels, so only their kind and number of lines must match;
 * - the same link targets (each at least once, and no others): external
 *   ones identical, links to pages pointing at the twins of those pages
 *   (`../programs/echo` stays as it is, `/programs/echo` becomes
 *   `/zh/programs/echo`), links to other files unchanged; every `#anchor` a
 *   twin links to exists;
 * - the same front matter keys.
 *
 * Each failure names the page and the first difference.
 *
 * @module
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import { DOCS, inEnglish, withoutComment } from "./_site.ts";

/** Where the Chinese edition lives, under `docs/`. */
const ZH = "zh/";

/** A heading of a page. */
interface Heading {
  /** 1 for `#`, 2 for `##`, … */
  level: number;
  /** Its anchor: the explicit `{#anchor}`, or the slug of its text. */
  anchor: string;
  /** Its line in the Markdown, from 1. */
  line: number;
  /** The Markdown line. */
  source: string;
}

/** A piece of code a page shows, or the start or end of a code group. */
interface Code {
  /** What the comparison needs: the exact text, or a diagram's shape. */
  key: string;
  /** Its (first) line in the Markdown, from 1. */
  line: number;
  /** How a failure message shows it. */
  shown: string;
}

/** A link of a page, as written. */
interface Link {
  target: string;
  line: number;
}

/** What a page's twin must share with it. */
export interface Outline {
  /** The top-level keys of the front matter, sorted. */
  frontmatterKeys: string[];
  headings: Heading[];
  code: Code[];
  /** Links in the text and HTML of the page and in its front matter. */
  links: Link[];
}

/**
 * The slug VitePress gives a heading (`slugify` of `@mdit-vue/shared`, as
 * VitePress 1.6 bundles it).
 */
export function slugify(text: string): string {
  return text.normalize("NFKD")
    .replace(/[\u0300-\u036F]/g, "")
    // deno-lint-ignore no-control-regex -- VitePress removes control characters
    .replace(/[\u0000-\u001f]/g, "")
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^(\d)/, "_$1")
    .toLowerCase();
}

/**
 * A heading's text as VitePress slugs it: its text and inline code, without
 * markup (links keep their text; emphasis, HTML and backticks go).
 */
function headingText(markdown: string): string {
  const linksAsText = markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
  return linksAsText.split(/(`+)([^`]*)\1/).map((part, i) => {
    if (i % 3 === 1) return ""; // the backticks
    if (i % 3 === 2) return part; // the code between them
    return part.replace(/<[^>]+>/g, "")
      .replace(/\*+/g, "")
      .replace(/(^|\W)_+(\S(?:.*?\S)?)_+(?!\w)/g, "$1$2")
      .replace(/\\([\\`*_{}[\]()#+\-.!<>])/g, "$1");
  }).join("").trim();
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** Fences whose `# comments` a twin translates: shell commands. */
const SHELL = /^\s*(sh|bash|shell|zsh)(-vue)?\b/;

/**
 * What a twin's fenced block must share: the block byte for byte, except in
 * shell blocks, where the comments are in the page's language (only where
 * they stand must match) and a code group's tab is titled in it too.
 */
function codeKey(block: string[], info: string): string {
  if (!SHELL.test(info)) return block.join("\n");
  const [open, ...rest] = block;
  const tab = /\[([^\]]*)\]/.exec(open)?.[1];
  const opening = tab === undefined
    ? open
    : open.replace(`[${tab}]`, `[${inEnglish(tab)}]`);
  const lines = rest.map((line) => {
    const command = withoutComment(line);
    return command === line.trimEnd() ? line : `${command} #`.trimStart();
  });
  return [opening, ...lines].join("\n");
}
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const ATTRIBUTES = /\s*\{([^{}]*)\}\s*$/;

/**
 * Reads what a twin must share from a page's Markdown.
 *
 * @param markdown The page's source.
 * @returns Its front matter keys, headings, code and links.
 */
export function outline(markdown: string): Outline {
  const lines = markdown.replaceAll("\r\n", "\n").split("\n");
  const frontmatterKeys: string[] = [];
  const headings: Heading[] = [];
  const code: Code[] = [];
  const links: Link[] = [];
  /** The prose of the page, line by line, for links; code blanked out. */
  const prose: string[] = lines.map(() => "");

  let i = 0;
  if (lines[0] === "---") {
    const end = lines.indexOf("---", 1);
    if (end > 0) {
      for (; i < end; i++) {
        const key = /^([\w-]+):/.exec(lines[i + 1])?.[1];
        if (key) frontmatterKeys.push(key);
        const link = /^\s*(?:-\s+)?link:\s*["']?([^"'\s]+)/.exec(lines[i + 1]);
        if (link) links.push({ target: link[1], line: i + 2 });
      }
      i = end + 1;
    }
  }

  const used = new Set<string>();
  const containers: string[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      const [, , marker, info] = fence;
      const close = new RegExp(`^\\s*${marker[0]}{${marker.length},}\\s*$`);
      let end = i + 1;
      while (end < lines.length && !close.test(lines[end])) end++;
      const block = lines.slice(i, end + 1);
      if (/^\s*mermaid\b/.test(info)) {
        const body = block.slice(1, -1).filter((l) => l.trim() !== "");
        const kind = body[0]?.trim() ?? "";
        code.push({
          key: `mermaid ${kind} ${body.length}`,
          line: i + 1,
          shown: `a ${kind} diagram of ${body.length} lines`,
        });
      } else {
        code.push({
          key: codeKey(block, info),
          line: i + 1,
          shown: `the block ${JSON.stringify(line.trim())} of ${
            block.length - 2
          } lines`,
        });
      }
      i = end;
      continue;
    }
    if (/^\s*<<<<?\s/.test(line)) {
      code.push({ key: line.trim(), line: i + 1, shown: line.trim() });
      continue;
    }
    const container = /^\s*:{3,}\s*(\S*)/.exec(line);
    if (container) {
      const name = container[1];
      if (name === "") {
        const closed = containers.pop();
        if (closed === "code-group") {
          code.push({
            key: ":::",
            line: i + 1,
            shown: "the end of a code group",
          });
        }
      } else {
        containers.push(name);
        if (name === "code-group") {
          code.push({
            key: "::: code-group",
            line: i + 1,
            shown: "::: code-group",
          });
        }
      }
      continue;
    }
    for (const [tag] of line.matchAll(/<(?:RunByUrl|SourceLink)\b[^>]*\/>/g)) {
      const key = tag.replace(/\s+/g, " ");
      code.push({ key, line: i + 1, shown: key });
    }
    const heading = HEADING.exec(line);
    if (heading) {
      let text = heading[2];
      let anchor: string | undefined;
      const attributes = ATTRIBUTES.exec(text);
      if (attributes) {
        anchor = /(?:^|\s)#([^\s}]+)/.exec(attributes[1])?.[1];
        text = text.slice(0, attributes.index);
      }
      if (anchor === undefined) {
        const slug = slugify(headingText(text));
        anchor = slug;
        for (let n = 1; used.has(anchor); n++) anchor = `${slug}-${n}`;
      }
      used.add(anchor);
      headings.push({
        level: heading[1].length,
        anchor,
        line: i + 1,
        source: line.trim(),
      });
    }
    prose[i] = line;
  }

  // Links: inline code and HTML comments blanked, keeping line breaks.
  const text = prose.join("\n")
    .replace(/<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, " "))
    .replace(/(`+)[\s\S]*?\1/g, (m) => m.replace(/[^\n]/g, " "));
  const lineAt = (index: number) => text.slice(0, index).split("\n").length;
  const found: { target: string; index: number; length: number }[] = [];
  const patterns = [
    // [text](target "title"), images too; text may hold [brackets].
    /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^"']*["'])?\s*\)/g,
    // <https://…>
    /<((?:https?|mailto):[^>\s]+)>/g,
    // href="…" and src="…" of HTML
    /\b(?:href|src)\s*=\s*["']([^"']+)["']/g,
    // [label]: target
    /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      found.push({
        target: match[1],
        index: match.index,
        length: match[0].length,
      });
    }
  }
  // Bare URLs, which VitePress turns into links, outside the links above.
  const taken = (index: number) =>
    found.some((f) => index >= f.index && index < f.index + f.length);
  for (const match of text.matchAll(/https?:\/\/[^\s<>()[\]"'`]+/g)) {
    if (taken(match.index)) continue;
    found.push({
      target: match[0].replace(/[.,;:!?]+$/, ""),
      index: match.index,
      length: match[0].length,
    });
  }
  found.sort((a, b) => a.index - b.index);
  for (const { target, index } of found) {
    links.push({ target, line: lineAt(index) });
  }
  frontmatterKeys.sort();
  return { frontmatterKeys, headings, code, links };
}

/** Whether a link leaves the site (a scheme like `https:`, or `//host`). */
function isExternal(target: string): boolean {
  return /^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith("//");
}

/** Resolves `.` and `..` in a path relative to `docs/`. */
function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/**
 * Where a link on a page leads, relative to `docs/`: `page:PATH#anchor` for
 * a page (`PATH.md` in `pages`), `file:PATH` for anything else on the site,
 * the target itself for an external link.
 *
 * @param target The link as written.
 * @param file The page it is on, relative to `docs/`, e.g. `programs/echo.md`.
 * @param pages Every page, relative to `docs/`, without `.md`.
 */
export function resolveLink(
  target: string,
  file: string,
  pages: ReadonlySet<string>,
): string {
  if (isExternal(target)) return target;
  const hashAt = target.search(/[?#]/);
  const path = hashAt === -1 ? target : target.slice(0, hashAt);
  const rest = hashAt === -1 ? "" : target.slice(hashAt);
  const dir = file.includes("/")
    ? file.slice(0, file.lastIndexOf("/") + 1)
    : "";
  let resolved = path === ""
    ? file
    : normalizePath(path.startsWith("/") ? path.slice(1) : dir + path);
  if (resolved === "" || resolved.endsWith("/")) resolved += "index";
  const page = resolved.replace(/\.(md|html)$/, "");
  return pages.has(page) ? `page:${page}${rest}` : `file:${resolved}${rest}`;
}

/** Where a link of an English page must lead on its twin. */
function twinTarget(resolved: string): string {
  return resolved.startsWith("page:")
    ? `page:${ZH}${resolved.slice("page:".length)}`
    : resolved;
}

/** The first link of `wanted` whose target none of `have` leads to. */
function firstMissing<T extends { to: string }>(
  wanted: T[],
  have: T[],
): T | undefined {
  const targets = new Set(have.map((link) => link.to));
  return wanted.find((link) => !targets.has(link.to));
}

/**
 * How a Chinese twin differs from its English page: at most one problem for
 * each of front matter, headings, code and links, the first one found.
 *
 * @param file The English page, relative to `docs/`, e.g. `programs/echo.md`.
 * @param english Its Markdown.
 * @param chinese The Markdown of `zh/` + `file`.
 * @param pages Every page, both editions, relative to `docs/`, without `.md`.
 * @returns The problems; empty when the twin is in step.
 */
export function twinProblems(
  file: string,
  english: string,
  chinese: string,
  pages: ReadonlySet<string>,
): string[] {
  const en = outline(english);
  const zh = outline(chinese);
  const twin = `${ZH}${file}`;
  const problems: string[] = [];

  if (en.frontmatterKeys.join() !== zh.frontmatterKeys.join()) {
    problems.push(
      `front matter keys: the English page has ${
        en.frontmatterKeys.join(", ") || "none"
      }, the twin ${zh.frontmatterKeys.join(", ") || "none"}`,
    );
  }

  const headingCount = Math.max(en.headings.length, zh.headings.length);
  for (let i = 0; i < headingCount; i++) {
    const a = en.headings[i];
    const b = zh.headings[i];
    if (a?.level === b?.level && a?.anchor === b?.anchor) continue;
    const describe = (h: Heading | undefined, where: string) =>
      h === undefined
        ? `nothing in ${where}`
        : `h${h.level} #${h.anchor} in ${where} (line ${h.line}: ${h.source})`;
    problems.push(
      `heading ${i + 1} of ${en.headings.length}: the English page has ${
        describe(a, file)
      }, the twin ${describe(b, twin)}`,
    );
    break;
  }

  const codeCount = Math.max(en.code.length, zh.code.length);
  for (let i = 0; i < codeCount; i++) {
    const a = en.code[i];
    const b = zh.code[i];
    if (a?.key === b?.key) continue;
    const describe = (c: Code | undefined) =>
      c === undefined ? "nothing" : `${c.shown} (line ${c.line})`;
    problems.push(
      `code ${i + 1} of ${en.code.length}: the English page has ${
        describe(a)
      }, the twin ${describe(b)}${
        a && b && a.key.split("\n")[0] === b.key.split("\n")[0]
          ? ": their text differs"
          : ""
      }`,
    );
    break;
  }

  const wanted = en.links.map((link) => ({
    ...link,
    to: twinTarget(resolveLink(link.target, file, pages)),
  }));
  const have = zh.links.map((link) => ({
    ...link,
    to: resolveLink(link.target, twin, pages),
  }));
  const missing = firstMissing(wanted, have);
  const extra = firstMissing(have, wanted);
  if (missing !== undefined) {
    problems.push(
      `links: the twin has no link to ${missing.to} (the English page's ${missing.target} on line ${missing.line})`,
    );
  } else if (extra !== undefined) {
    problems.push(
      `links: the twin links to ${extra.to} (${extra.target} on line ${extra.line}), which the English page does not`,
    );
  }
  return problems;
}

/**
 * The links of a page to `#anchor`s its target pages do not have, for pages
 * in `markdownOf`.
 */
function brokenAnchors(
  file: string,
  markdown: string,
  markdownOf: ReadonlyMap<string, string>,
  pages: ReadonlySet<string>,
): string[] {
  const broken: string[] = [];
  for (const link of outline(markdown).links) {
    const to = resolveLink(link.target, file, pages);
    const match = /^page:([^#?]+)(?:\?[^#]*)?#(.+)$/.exec(to);
    if (!match) continue;
    const target = markdownOf.get(`${match[1]}.md`);
    if (target === undefined) continue;
    const anchor = decodeURIComponent(match[2]);
    if (!outline(target).headings.some((h) => h.anchor === anchor)) {
      broken.push(
        `line ${link.line}: ${link.target} (${
          match[1]
        }.md has no heading #${anchor})`,
      );
    }
  }
  return broken;
}

/** Every Markdown file under `docs/`, relative to it, sorted. */
async function markdownFiles(dir = DOCS, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      files.push(
        ...await markdownFiles(
          `${dir}${entry.name}/`,
          `${prefix}${entry.name}/`,
        ),
      );
    } else if (entry.name.endsWith(".md")) {
      files.push(`${prefix}${entry.name}`);
    }
  }
  return files.sort();
}

/** The site's pages: Markdown by file, and page paths without `.md`. */
async function readSite() {
  const files = await markdownFiles();
  const markdownOf = new Map<string, string>();
  for (const file of files) {
    markdownOf.set(file, await Deno.readTextFile(`${DOCS}${file}`));
  }
  const english = files.filter((file) => !file.startsWith(ZH));
  // A twin yet to be written is still a page to link to.
  const pages = new Set(
    [...files, ...english.map((file) => `${ZH}${file}`)]
      .map((file) => file.replace(/\.md$/, "")),
  );
  const chinese = files.filter((file) => file.startsWith(ZH));
  return { markdownOf, pages, english, chinese };
}

Deno.test("twins: every English page has a Chinese twin under docs/zh/", async () => {
  const { english, markdownOf } = await readSite();
  assert(english.length > 0, `no pages under ${DOCS}`);
  const missing = english.filter((file) => !markdownOf.has(`${ZH}${file}`));
  assertEquals(
    missing.map((file) => `docs/${ZH}${file}`),
    [],
    "these English pages have no Chinese twin",
  );
});

Deno.test("twins: every Chinese page is the twin of an English page", async () => {
  const { chinese, markdownOf } = await readSite();
  const orphans = chinese.filter((file) =>
    !markdownOf.has(file.slice(ZH.length))
  );
  assertEquals(
    orphans.map((file) => `docs/${file}`),
    [],
    "these Chinese pages have no English page (the language switch would lead nowhere)",
  );
});

Deno.test("twins: each twin has its English page's headings, code and links", async (t) => {
  const { english, markdownOf, pages } = await readSite();
  for (const file of english) {
    const chinese = markdownOf.get(`${ZH}${file}`);
    if (chinese === undefined) continue; // reported by the first test
    await t.step(`docs/${ZH}${file}`, () => {
      const problems = [
        ...twinProblems(file, markdownOf.get(file)!, chinese, pages),
        ...brokenAnchors(`${ZH}${file}`, chinese, markdownOf, pages)
          .slice(0, 1).map((b) => `a link to a missing anchor: ${b}`),
      ];
      assertEquals(
        problems,
        [],
        `docs/${ZH}${file} is out of step with docs/${file}`,
      );
    });
  }
});

Deno.test("twins: the comparison finds each kind of difference", async (t) => {
  const pages = new Set([
    "index",
    "programs/echo",
    "concepts/udp-vs-tcp",
    "zh/index",
    "zh/programs/echo",
    "zh/concepts/udp-vs-tcp",
  ]);
  const english = [
    "---",
    "description: Echo",
    "---",
    "",
    "# Echo server and client",
    "",
    "See [RFC 862](https://www.rfc-editor.org/rfc/rfc862) and",
    "[the ports](../concepts/udp-vs-tcp#ports-are-separate), or [home](/).",
    "",
    "## Run `it`",
    "",
    "<<< @/../scripts/echo_server.ts#loop",
    "",
    "```sh",
    "deno run -N scripts/echo_server.ts",
    "```",
    "",
    "```mermaid",
    "sequenceDiagram",
    "  C->>S: hello",
    "```",
  ].join("\n");
  const chinese = english
    .replace("description: Echo", "description: 回显")
    .replace(
      "# Echo server and client",
      "# 回显服务器与客户端 {#echo-server-and-client}",
    )
    .replace("See [RFC 862]", "参见 [RFC 862]")
    .replace("[the ports]", "[端口]")
    .replace("[home](/)", "[首页](/zh/)")
    .replace("## Run `it`", "## 运行 {#run-it}")
    .replace("C->>S: hello", "C->>S: 你好");
  const file = "programs/echo.md";

  await t.step("a faithful twin passes", () => {
    assertEquals(twinProblems(file, english, chinese, pages), []);
  });
  await t.step("a heading at another level", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("## 运行", "### 运行"),
      pages,
    );
    assert(problem?.startsWith("heading 2 of 2:"), problem);
    assert(problem.includes("h3 #run-it"), problem);
  });
  await t.step("a heading without the English anchor", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("## 运行 {#run-it}", "## 运行"),
      pages,
    );
    assert(problem?.includes("h2 #运行"), problem);
  });
  await t.step("a changed command", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("-N scripts", "-N  scripts"),
      pages,
    );
    assert(problem?.startsWith("code 2 of 3:"), problem);
    assert(problem.endsWith("their text differs"), problem);
  });
  await t.step(
    "shell comments and tab titles in Chinese, commands the same",
    () => {
      const block = "```sh\ndeno run -N scripts/echo_server.ts\n```";
      const group = (tab: string, comment: string) =>
        `::: code-group\n\n\`\`\`sh [${tab}]\n` +
        `deno run -N scripts/echo_server.ts  # ${comment}\n\`\`\`\n\n:::`;
      const en = english.replace(block, group("Deno installed", "terminal 1"));
      const zh = chinese.replace(block, group("已安装 Deno", "终端 1"));
      assertEquals(twinProblems(file, en, zh, pages), []);
      const [changed] = twinProblems(
        file,
        en,
        zh.replace("-N scripts", "-N  scripts"),
        pages,
      );
      assert(changed?.endsWith("their text differs"), changed);
      const [uncommented] = twinProblems(
        file,
        en,
        zh.replace("  # 终端 1", ""),
        pages,
      );
      assert(uncommented?.endsWith("their text differs"), uncommented);
    },
  );
  await t.step("a diagram with a line left out", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("  C->>S: 你好\n", ""),
      pages,
    );
    assert(problem?.startsWith("code 3 of 3:"), problem);
  });
  await t.step("a link to the English page instead of its twin", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("[首页](/zh/)", "[首页](/)"),
      pages,
    );
    assert(problem?.includes("no link to page:zh/index"), problem);
  });
  await t.step("an external link changed", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("rfc/rfc862", "rfc/rfc0862"),
      pages,
    );
    assert(problem?.includes("https://www.rfc-editor.org/rfc/rfc862"), problem);
  });
  await t.step("a front matter key left out", () => {
    const [problem] = twinProblems(
      file,
      english,
      chinese.replace("description: 回显", "title: 回显"),
      pages,
    );
    assert(problem?.startsWith("front matter keys:"), problem);
  });
  await t.step("a link to an anchor the target has not", () => {
    const markdownOf = new Map([
      ["zh/concepts/udp-vs-tcp.md", "# UDP 与 TCP {#udp-versus-tcp}\n"],
    ]);
    assertEquals(
      brokenAnchors(`${ZH}${file}`, chinese, markdownOf, pages),
      [
        "line 8: ../concepts/udp-vs-tcp#ports-are-separate (zh/concepts/udp-vs-tcp.md has no heading #ports-are-separate)",
      ],
    );
  });
});
