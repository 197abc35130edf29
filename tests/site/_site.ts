/**
 * What the site tests share: the pages in `docs/`, the snippets they import,
 * the credits they must carry, and a static server for the built site.
 *
 * @module
 */
import { ROOT } from "../_helpers.ts";

/** The pages' source folder. */
export const DOCS = `${ROOT}docs/`;

/** The built site, from `deno task site:build`. */
export const DIST = `${ROOT}.vitepress/dist/`;

/** One page of the site. */
export interface Page {
  /** The Markdown file, relative to `docs/`, e.g. `programs/echo.md`. */
  file: string;
  /** The clean URL path it is served at, e.g. `/programs/echo`. */
  path: string;
  /** The Markdown source. */
  markdown: string;
}

async function* markdownFiles(
  dir: string,
  prefix = "",
): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.isDirectory) {
      yield* markdownFiles(`${dir}${entry.name}/`, `${prefix}${entry.name}/`);
    } else if (entry.name.endsWith(".md")) {
      yield `${prefix}${entry.name}`;
    }
  }
}

/** Every page under `docs/`, in path order. */
export async function listPages(): Promise<Page[]> {
  const pages: Page[] = [];
  for await (const file of markdownFiles(DOCS)) {
    const path = "/" + file.replace(/\.md$/, "").replace(/(^|\/)index$/, "");
    const markdown = await Deno.readTextFile(`${DOCS}${file}`);
    pages.push({ file, path, markdown });
  }
  return pages;
}

/** A `<<< @/../FILE#REGION` import on a page. */
export interface SnippetImport {
  /** The imported file, relative to the repository, e.g. `scripts/echo_server.ts`. */
  file: string;
  /** The region's name, or `undefined` for the whole file. */
  region?: string;
}

/** The code imports of a page: `<<< @/../scripts/NAME.ts#region` and the like. */
export function snippetImports(markdown: string): SnippetImport[] {
  const found = markdown.matchAll(
    /^\s*<<< @\/\.\.\/([\w./-]+?\.ts)(?:#([\w-]+))?(?=[\s{[]|$)/gm,
  );
  return [...found].map(([, file, region]) => ({ file, region }));
}

/**
 * The files a page shows as literate blocks (`<<<< @/../FILE`), relative to
 * the repository, e.g. `scripts/minimal/echo_server.ts`, in page order.
 */
export function literateImports(markdown: string): string[] {
  return [...markdown.matchAll(/^<<<<\s+@\/\.\.\/(\S+)\s*$/gm)]
    .map(([, file]) => file);
}

const REGION_MARKER = /^\s*\/\/ ?#?(end)?region [\w*-]+\s*$/;

/**
 * The text VitePress shows for a region: the lines between its markers,
 * without nested markers, with the common indentation removed.
 *
 * @param source The file's text.
 * @param region The region's name, or `undefined` for the whole file.
 * @returns The code as the page shows it.
 * @throws {Error} If the region is not in the file.
 */
export function regionText(source: string, region?: string): string {
  if (region === undefined) return source;
  const lines = source.replaceAll("\r\n", "\n").split("\n");
  const { shown, indent } = regionSpan(source, region);
  return shown.map((i) => lines[i].slice(indent)).join("\n");
}

/** Where the text of a region that VitePress shows comes from in its file. */
export interface RegionSpan {
  /** Where the region starts: the index of its `// #region` line. */
  start: number;
  /** The indexes (from 0) of the lines shown, in order. */
  shown: number[];
  /** How many characters of indentation are removed from each line. */
  indent: number;
}

/**
 * The lines of a file that VitePress shows for a region (see
 * {@linkcode regionText}), as line indexes, so that a position in the shown
 * text can be traced back to the file.
 *
 * @param source The file's text.
 * @param region The region's name.
 * @returns The region's start, shown lines and removed indentation.
 * @throws {Error} If the region is not in the file.
 */
export function regionSpan(source: string, region: string): RegionSpan {
  const lines = source.replaceAll("\r\n", "\n").split("\n");
  const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
  const end = lines.findIndex((l, i) =>
    i > start && l.trim() === `// #endregion ${region}`
  );
  if (start === -1 || end === -1) throw new Error(`no region ${region}`);
  const shown: number[] = [];
  for (let i = start + 1; i < end; i++) {
    if (!REGION_MARKER.test(lines[i])) shown.push(i);
  }
  const indent = Math.min(
    ...shown.map((i) => lines[i])
      .filter((l) => l.trim() !== "")
      .map((l) => l.search(/\S/)),
  );
  return { start, shown, indent };
}

/**
 * The import statements at the top of a script, multi-line ones included, as
 * line indexes (from 0). The shebang, comments and blank lines before and
 * between them are skipped; the first other line ends them.
 *
 * @param source The script's text.
 * @returns The indexes of the lines that hold its imports.
 */
export function importLines(source: string): number[] {
  const lines = source.replaceAll("\r\n", "\n").split("\n");
  const found: number[] = [];
  let inComment = false;
  let inImport = false;
  for (const [i, line] of lines.entries()) {
    const text = line.trim();
    if (inImport) {
      found.push(i);
      inImport = !/(^|\s)from\s*["'][^"']+["'];?$|;$/.test(text);
    } else if (inComment) {
      inComment = !text.includes("*/");
    } else if (text.startsWith("/*")) {
      inComment = !text.includes("*/");
    } else if (text.startsWith("import ") || text.startsWith("import{")) {
      found.push(i);
      inImport =
        !/(^|\s)from\s*["'][^"']+["'];?$|^import\s*["'][^"']+["'];?$|;$/
          .test(text);
    } else if (
      !(text === "" || text.startsWith("//") ||
        (i === 0 && text.startsWith("#!")))
    ) {
      break;
    }
  }
  return found;
}

/** The `title:` of a page's front matter, if it sets one. */
export function frontmatterTitle(markdown: string): string | undefined {
  const frontmatter = /^---\n([\s\S]*?)\n---\n/.exec(markdown)?.[1] ?? "";
  return /^title:\s*(.+?)\s*$/m.exec(frontmatter)?.[1].replace(
    /^(["'])(.*)\1$/,
    "$2",
  );
}

/** Level-1 and level-2 headings of a page's Markdown, as plain text. */
export function headings(markdown: string): { h1?: string; h2: string[] } {
  let inFence = false;
  let h1: string | undefined;
  const h2: string[] = [];
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const match = /^(#{1,2}) (.+?)\s*(\{#[\w-]+\})?$/.exec(line);
    if (!match) continue;
    const text = match[2]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/[`*]/g, "");
    if (match[1] === "#") h1 ??= text;
    else h2.push(text);
  }
  return { h1, h2 };
}

/**
 * The two tabs of a code group that shows a command needing Deno, in each
 * edition: with Deno on the PATH, and through npm (`npx deno`).
 */
export const TABS = {
  deno: { en: "Deno installed", zh: "已安装 Deno" },
  npm: { en: "through npm", zh: "通过 npm" },
} as const;

/** A code group tab's title in English: the Chinese titles of {@linkcode TABS} translated. */
export function inEnglish(title: string): string {
  for (const { en, zh } of Object.values(TABS)) if (title === zh) return en;
  return title;
}

/** A command without its trailing `# comment` (quotes respected). */
export function withoutComment(text: string): string {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = "";
      else if (char === "\\" && quote === '"') i++;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === "\\") {
      i++;
    } else if (char === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}

/** The credit each original needs: its link, or its described name. */
export const ORIGINALS = {
  binarytides: "http://www.binarytides.com/programming-udp-sockets-in-python/",
  liao: "https://github.com/michaelliao/learn-python/tree/master/socket",
  notebook: "a Jupyter notebook on UDP servers",
  blog: "a 2015 blog post on Python UDP sockets",
} as const;

/**
 * How the Chinese pages name the originals that have no address; compared
 * with all white space removed, since Chinese lines break anywhere.
 */
export const ORIGINALS_ZH: Record<keyof typeof ORIGINALS, string> = {
  ...ORIGINALS,
  notebook: "讲UDP服务器的Jupyter笔记本",
  blog: "2015年一篇讲PythonUDP套接字的博客文章",
};

/** Which originals each program page ports, so must credit. */
export const PROGRAM_CREDITS: Record<string, (keyof typeof ORIGINALS)[]> = {
  "programs/echo.md": ["binarytides", "notebook"],
  "programs/hello.md": ["liao"],
  "programs/time.md": ["notebook"],
  "programs/size.md": ["blog"],
  "programs/broadcast.md": ["blog"],
  "programs/dns.md": ["notebook", "blog"],
};

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  woff2: "font/woff2",
  txt: "text/plain; charset=utf-8",
};

async function fileOrUndefined(
  path: string,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    if (!(await Deno.stat(path)).isFile) return undefined;
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Fails with a clear message if the site has not been built.
 *
 * @throws {Error} If `.vitepress/dist/index.html` is missing.
 */
export async function requireBuiltSite(): Promise<void> {
  if ((await fileOrUndefined(`${DIST}index.html`)) === undefined) {
    throw new Error(
      `the built site is missing (${DIST}index.html): run \`deno task site:build\` first (\`deno task check\` builds it before the tests)`,
    );
  }
}

/** Options for {@linkcode serveSite}. */
export interface ServeSiteOptions {
  /**
   * Content-Types by file extension, over the defaults: e.g.
   * `{ ts: "video/mp2t" }`, what GitHub Pages sends for `.ts`. A `.ts` file
   * is sent as `application/octet-stream` unless this says otherwise.
   */
  contentTypes?: Record<string, string>;
}

/**
 * Serves the built site on 127.0.0.1 with clean URLs (`/programs/echo` is
 * `programs/echo.html`), as a static host would.
 *
 * @param options The Content-Types to send.
 * @returns The server and its base URL; shut it down when done.
 */
export function serveSite(
  options: ServeSiteOptions = {},
): { server: Deno.HttpServer; url: string } {
  const types = { ...CONTENT_TYPES, ...options.contentTypes };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname);
      if (path.includes("..")) return new Response("bad path", { status: 400 });
      const base = `${DIST}${path.slice(1)}`;
      const candidates = path.endsWith("/")
        ? [`${base}index.html`]
        : [base, `${base}.html`, `${base}/index.html`];
      for (const candidate of candidates) {
        const body = await fileOrUndefined(candidate);
        if (body === undefined) continue;
        const ext = candidate.slice(candidate.lastIndexOf(".") + 1);
        const type = types[ext] ?? "application/octet-stream";
        return new Response(body, { headers: { "content-type": type } });
      }
      const notFound = await fileOrUndefined(`${DIST}404.html`);
      return new Response(notFound ?? "not found", {
        status: 404,
        headers: { "content-type": CONTENT_TYPES.html },
      });
    },
  );
  return { server, url: `http://127.0.0.1:${server.addr.port}` };
}
