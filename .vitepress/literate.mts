/**
 * Literate files, as Deno by Example shows its scripts: a minimal program
 * (`scripts/minimal/NAME.ts`) rendered step by step, each step's comment as
 * prose beside its code on a wide screen, above it on a phone.
 *
 * A page shows a file with one line of its own, four `<` and the path from
 * the pages' folder, as `<<<` imports a region:
 *
 * ```md
 * <<<< @/../scripts/minimal/echo_server.ts
 * ```
 *
 * The file follows the minimal files' format: a header `/** … *\/` with
 * `@title`, `@run` and a sentence or two, then steps. A step starts with a
 * run of `//` lines at the start of a line after a blank line, and holds the
 * code up to the next such run. What the page shows, built from the file at
 * each build (so it never drifts from it):
 *
 * - the title, the sentences, and the run line (`deno run` and the `@run`
 *   tag: `deno run -N --unstable-net <url> [port]`);
 * - a link to the whole file (`<SourceLink>`, on GitHub), and a button that
 *   copies the whole file as it is (VitePress's own copy button, which
 *   copies the text of the `<pre>` after it: here the file, hidden);
 * - each step: its comment as prose (Markdown inline, so `code` renders),
 *   and its code highlighted by VitePress's own highlighter.
 *
 * A missing file, or one without the header, fails the build. The layout is
 * in `theme/literate.css`; a page puts the run-by-URL lines
 * (`<RunByUrl script="minimal/echo_server.ts" args="8888" />`) under it.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import process from "node:process";

/** One step of a literate file: why, then what. */
export interface Step {
  /** The comment, without its `//`, one entry per line. */
  comment: string[];
  /** The code after it, without blank lines around it. */
  code: string;
}

/** A minimal file, read for the page. */
export interface LiterateFile {
  /** `@title`. */
  title: string;
  /** `@run`: the flags and arguments after `deno run`, `<url>` included. */
  run: string;
  /** The header's other lines, as paragraphs. */
  about: string[];
  steps: Step[];
}

/**
 * Reads a minimal file: its header's tags and sentences, and its steps.
 *
 * @example Read a file of one step
 * ```ts
 * const file = parseLiterate([
 *   "/**",
 *   " * @title Hello",
 *   " * @run <url>",
 *   " *\/",
 *   "",
 *   "// Say it.",
 *   'console.log("hello");',
 * ].join("\n"));
 * // file.steps: [{ comment: ["Say it."], code: 'console.log("hello");' }]
 * ```
 *
 * @param source The file's text.
 * @returns Its title, run line, sentences and steps.
 * @throws {Error} If the header, `@title` or `@run` is missing.
 */
export function parseLiterate(source: string): LiterateFile {
  const text = source.replaceAll("\r\n", "\n");
  const header = /^\/\*\*\n((?:[ \t]*\*(?:[^/\n][^\n]*)?\n)*?)[ \t]*\*\/\n/
    .exec(text);
  if (header === null) {
    throw new Error("it does not start with a /** … */ header");
  }
  const tags = new Map<string, string>();
  const about: string[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) about.push(paragraph.join(" "));
    paragraph = [];
  };
  for (const raw of header[1].split("\n")) {
    const line = raw.replace(/^[ \t]*\*[ \t]?/, "").trimEnd();
    const tag = /^@(\w+)\s+(.*)$/.exec(line);
    if (tag) tags.set(tag[1], tag[2]);
    else if (line === "") endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  const title = tags.get("title");
  const run = tags.get("run");
  if (title === undefined) throw new Error("its header has no @title");
  if (run === undefined) throw new Error("its header has no @run");
  return { title, run, about, steps: readSteps(text.slice(header[0].length)) };
}

/** Cuts a file's body into steps (see the module's description). */
function readSteps(body: string): Step[] {
  const steps: { comment: string[]; code: string[] }[] = [];
  let afterBlank = true;
  let inComment = false;
  for (const line of body.split("\n")) {
    const isComment = line.startsWith("//");
    if (isComment && (inComment || afterBlank)) {
      if (!inComment) steps.push({ comment: [], code: [] });
      inComment = true;
      steps[steps.length - 1].comment.push(line.replace(/^\/\/ ?/, ""));
    } else {
      inComment = false;
      if (steps.length === 0) steps.push({ comment: [], code: [] });
      steps[steps.length - 1].code.push(line);
    }
    afterBlank = line.trim() === "";
  }
  return steps.map(({ comment, code }) => ({
    comment,
    code: code.join("\n").replace(/^\s*\n/, "").trimEnd(),
  })).filter((step) => step.comment.length > 0 || step.code !== "");
}

/** What this module needs of VitePress's markdown-it. */
interface Markdown {
  block: {
    ruler: {
      before(
        name: string,
        rule: string,
        parse: (
          state: BlockState,
          startLine: number,
          endLine: number,
          silent: boolean,
        ) => boolean,
      ): void;
    };
  };
  renderer: {
    rules: Record<
      string,
      | ((
        tokens: { meta?: unknown }[],
        idx: number,
        options: unknown,
        env: PageEnv,
      ) => string)
      | undefined
    >;
  };
  options: {
    highlight?: ((code: string, lang: string, attrs: string) => string) | null;
  };
  renderInline(text: string, env?: unknown): string;
}

/** The parts of markdown-it's block state the rule reads. */
interface BlockState {
  src: string;
  bMarks: number[];
  eMarks: number[];
  tShift: number[];
  sCount: number[];
  blkIndent: number;
  line: number;
  env: PageEnv;
  push(type: string, tag: string, nesting: number): {
    meta?: unknown;
    map?: [number, number];
  };
}

/** What VitePress tells markdown-it about the page being rendered. */
interface PageEnv {
  relativePath?: string;
  includes?: string[];
}

/** Options for {@linkcode literate}. */
export interface LiterateOptions {
  /** The pages' folder, for which `@` stands (VitePress's `srcDir`). */
  srcDir: string;
  /** The repository's root, to name files from it (`scripts/minimal/…`). */
  root: string;
}

/** The words of the block, by the page's language. */
const WORDS = {
  en: { copy: "Copy the whole file", title: "Copy Code", run: "Run" },
  zh: { copy: "复制整个文件", title: "复制代码", run: "运行" },
};

/** Escapes text for HTML: `&`, `<`, `>` and `"`. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** The line a page writes: `<<<< @/PATH`, nothing else on it. */
const LINE = /^<<<<\s+@\/(\S+)\s*$/;

/**
 * Adds the `<<<< @/PATH` line to VitePress's Markdown: it renders the file at
 * PATH (from the pages' folder) as a literate block, and fails the build if
 * the file is missing or is not in the minimal files' format.
 *
 * @example In `.vitepress/config.mts`
 * ```ts
 * markdown: {
 *   config(md) {
 *     literate(md, { srcDir: DOCS, root: ROOT });
 *   },
 * },
 * ```
 *
 * @param md VitePress's markdown-it instance.
 * @param options Where the pages and the repository are.
 */
export function literate(md: Markdown, options: LiterateOptions): void {
  // Before VitePress's `<<<` rule, which would take the line for its own.
  md.block.ruler.before(
    "snippet",
    "literate",
    (state, startLine, _end, silent) => {
      const start = state.bMarks[startLine] + state.tShift[startLine];
      if (state.sCount[startLine] - state.blkIndent >= 4) return false;
      const match = LINE.exec(state.src.slice(start, state.eMarks[startLine]));
      if (match === null) return false;
      if (silent) return true;
      const token = state.push("literate", "div", 0);
      token.meta = { path: resolve(options.srcDir, match[1]) };
      token.map = [startLine, startLine + 1];
      state.line = startLine + 1;
      return true;
    },
  );
  md.renderer.rules.literate = (tokens, idx, _options, env) => {
    const { path } = tokens[idx].meta as { path: string };
    const name = relative(options.root, path);
    const where = `${env.relativePath ?? "a page"} shows ${
      relative(process.cwd(), path)
    }`;
    if (!existsSync(path)) throw new Error(`${where}, which does not exist`);
    env.includes?.push(path);
    const source = readFileSync(path, "utf8");
    let file: LiterateFile;
    try {
      file = parseLiterate(source);
    } catch (error) {
      throw new Error(`${where}, but ${(error as Error).message}`);
    }
    // Inline Markdown rendered with a copy of the page's env: VitePress sets
    // the page's title (env.title) on every render, from its first h1.
    const inline = (text: string) => md.renderInline(text, { ...env });
    const words = (env.relativePath ?? "").startsWith("zh/")
      ? WORDS.zh
      : WORDS.en;
    const highlight = md.options.highlight ??
      ((code: string) => `<pre v-pre><code>${escapeHtml(code)}</code></pre>`);
    const prose = (lines: string[]) =>
      lines.join("\n").split(/\n\s*\n/).filter((p) => p.trim() !== "")
        .map((p) => `<p>${inline(p.replace(/\n/g, " "))}</p>`)
        .join("");
    const steps = file.steps.map((step) =>
      `<div class="literate-step">` +
      `<div class="literate-comment">${prose(step.comment)}</div>` +
      `<div class="literate-code">${
        step.code === ""
          ? ""
          : `<div class="language-ts vp-adaptive-theme">${
            highlight(step.code, "ts", "")
          }</div>`
      }</div></div>`
    ).join("");
    return `<div class="literate" data-file="${escapeHtml(name)}">` +
      `<div class="literate-head">` +
      `<p class="literate-title">${inline(file.title)}</p>` +
      file.about.map((p) => `<p>${inline(p)}</p>`).join("") +
      `<p class="literate-run">${words.run}: <code>${
        escapeHtml(`deno run ${file.run}`)
      }</code></p>` +
      `<div class="literate-source">` +
      `<SourceLink path="${escapeHtml(name)}" />` +
      `<div class="language-ts literate-copy">` +
      `<button title="${words.title}" class="copy">${words.copy}</button>` +
      `<span class="lang">ts</span>` +
      `<pre v-pre hidden><code>${escapeHtml(source)}</code></pre>` +
      `</div></div></div>${steps}</div>\n`;
  };
}
