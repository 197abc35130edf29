/**
 * The tutorial site: VitePress, pages in `docs/`, code imported from
 * `scripts/` and `lib/` by region, diagrams drawn by Mermaid.
 *
 * The build fails on a dead link (VitePress's default), on a snippet
 * import whose file or region does not exist (checked below: VitePress alone
 * would show the whole file for a region it cannot find), and on a literate
 * block (`<<<< @/../scripts/minimal/NAME.ts`, see `literate.mts`) whose file
 * is missing.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  type DefaultTheme,
  defineConfigWithTheme,
  type MarkdownRenderer,
} from "vitepress";
import { withMermaid } from "vitepress-plugin-mermaid";
import { escapeHtml, literate } from "./literate.mts";
import { publishSources } from "./publish_sources.mts";

/**
 * Where the code lives: the one place the site names its repository. The
 * GitHub link in the navigation bar and every page's "Edit this page" link
 * are built from it; Getting started shows the same address in its clone
 * line (tests/site/browser_test.ts checks that they agree).
 */
export const REPOSITORY = "https://github.com/udp-with-deno/udp-with-deno";

/** The path the site is served under, from SITE_BASE; `/` by default. */
const SITE_BASE = process.env.SITE_BASE || "/";

/** The branch the edit links point at. */
const BRANCH = "main";

/** Every page's "Edit this page" link, in both editions. */
const EDIT_LINK_PATTERN = `${REPOSITORY}/edit/${BRANCH}/docs/:path`;

/** A file's whole source, for `<SourceLink path="scripts/NAME.ts" />`. */
const SOURCE_LINK_PATTERN = `${REPOSITORY}/blob/${BRANCH}/:path`;

/** The repository's root folder, and the pages' folder in it. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DOCS = `${ROOT}docs`;

/** The theme's settings: VitePress's, and where the source links lead. */
interface ThemeConfig extends DefaultTheme.Config {
  /** A file's address in the repository, `:path` standing for its path. */
  sourceLinkPattern?: string;
}

/** A page's front matter, as far as search reads it. */
interface SearchFrontmatter {
  search?: boolean;
  description?: string;
  keywords?: string | string[];
}

/**
 * What local search indexes for a page: the page itself, plus its front
 * matter's `description` and `keywords` in the page's first section, so a
 * page is found by the words of its lesson even where its text uses others.
 */
function searchableHtml(
  src: string,
  env: { frontmatter?: SearchFrontmatter },
  md: Pick<MarkdownRenderer, "render">,
): string {
  const html = md.render(src, env);
  const frontmatter = env.frontmatter ?? {};
  if (frontmatter.search === false) return "";
  const keywords = [frontmatter.keywords ?? []].flat().join(", ");
  const extra = [frontmatter.description, keywords].filter(Boolean).join(" ");
  if (extra === "") return html;
  const end = html.indexOf("</h1>");
  if (end === -1) return html;
  const at = end + "</h1>".length;
  return `${html.slice(0, at)}<p>${escapeHtml(extra)}</p>${html.slice(at)}`;
}

/** The token VitePress's snippet plugin makes for `<<< path#region`. */
interface SnippetToken {
  src?: [string, string?];
}

/**
 * Makes a `<<< @/../scripts/NAME.ts#REGION` import fail the build when the
 * file or the `// #region REGION` … `// #endregion REGION` pair is missing.
 */
function requireSnippets(md: MarkdownRenderer): void {
  const fence = md.renderer.rules.fence;
  if (fence === undefined) throw new Error("markdown-it has no fence rule");
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const [file, region] = (tokens[idx] as SnippetToken).src ?? [];
    if (file !== undefined) {
      const where = `${env.relativePath ?? "a page"} imports ${
        relative(process.cwd(), file)
      }`;
      if (!existsSync(file)) throw new Error(`${where}, which does not exist`);
      if (region) {
        const text = readFileSync(file, "utf8");
        const start = new RegExp(`^\\s*// #region ${region}\\s*$`, "m");
        const end = new RegExp(`^\\s*// #endregion ${region}\\s*$`, "m");
        if (!start.test(text) || !end.test(text)) {
          throw new Error(`${where}#${region}, but it has no such region`);
        }
      }
    }
    return fence(tokens, idx, options, env, self);
  };
}

/** The site's editions: English at `/`, Chinese at `/zh/`. */
type Edition = "en" | "zh";

/** Where each edition's pages are served, before the page's own path. */
const PREFIX: Record<Edition, string> = { en: "", zh: "/zh" };

/** A page of the site, named in both editions. */
interface Entry {
  /** The page's path in the English edition, e.g. `/programs/echo`. */
  link: string;
  en: string;
  zh: string;
}

/** The navigation bar: the same pages in both editions. */
const NAV: Entry[] = [
  { link: "/guide/getting-started", en: "Getting started", zh: "快速上手" },
  { link: "/programs/echo", en: "Programs", zh: "程序" },
  { link: "/concepts/cheat-sheet", en: "Cheat sheet", zh: "速查表" },
];

/** The sidebar: the same groups and pages, in the same order, in both editions. */
const SIDEBAR: { en: string; zh: string; items: Entry[] }[] = [
  {
    en: "Start here",
    zh: "从这里开始",
    items: [
      { link: "/guide/getting-started", en: "Getting started", zh: "快速上手" },
      { link: "/concepts/udp-vs-tcp", en: "UDP versus TCP", zh: "UDP 与 TCP" },
    ],
  },
  {
    en: "The programs",
    zh: "程序",
    items: [
      {
        link: "/programs/echo",
        en: "Echo server and client",
        zh: "回显服务器与客户端",
      },
      { link: "/programs/hello", en: "Hello, name", zh: "问候服务器与客户端" },
      {
        link: "/programs/time",
        en: "Time server and client",
        zh: "时间服务器与客户端",
      },
      {
        link: "/programs/size",
        en: "Size server and two clients",
        zh: "数据长度服务器与两个客户端",
      },
      {
        link: "/programs/broadcast",
        en: "Broadcast sender and listener",
        zh: "广播发送端与监听端",
      },
      {
        link: "/programs/multicast",
        en: "Multicast sender and listener",
        zh: "组播发送端与监听端",
      },
      { link: "/programs/dns", en: "DNS client", zh: "DNS 客户端" },
    ],
  },
  {
    en: "Going further",
    zh: "深入一步",
    items: [
      {
        link: "/concepts/timeouts-and-retries",
        en: "Timeouts and retries",
        zh: "超时与重试",
      },
      {
        link: "/concepts/broadcast",
        en: "Broadcast on real networks",
        zh: "真实网络中的广播",
      },
      {
        link: "/concepts/udp-api",
        en: "Deno's UDP API",
        zh: "Deno 的 UDP API",
      },
      { link: "/concepts/staying-safe", en: "Staying safe", zh: "安全须知" },
      { link: "/reliability", en: "Reliability", zh: "可靠性" },
      { link: "/performance", en: "Performance", zh: "性能" },
      {
        link: "/concepts/cheat-sheet",
        en: "Python to Deno cheat sheet",
        zh: "Python 到 Deno 速查表",
      },
    ],
  },
];

/** One edition's navigation bar. */
function nav(edition: Edition) {
  return NAV.map((entry) => ({
    text: entry[edition],
    link: PREFIX[edition] + entry.link,
  }));
}

/** One edition's sidebar. */
function sidebar(edition: Edition) {
  return SIDEBAR.map((group) => ({
    text: group[edition],
    items: group.items.map((entry) => ({
      text: entry[edition],
      link: PREFIX[edition] + entry.link,
    })),
  }));
}

/**
 * Splits text into the terms local search indexes and looks up. Words are
 * separated by spaces and punctuation, as MiniSearch does by default; a run
 * of Chinese characters, which has no spaces, becomes its overlapping pairs
 * of characters (`指数退避`: `指数`, `数退`, `退避`), so that any word of two
 * or more characters in it is found. Indexed text (MiniSearch passes the
 * field's name) also gives each character alone, for one-character queries.
 *
 * VitePress sends this function to the browser as its source text, to
 * tokenize queries there: it must not use anything outside its own body.
 *
 * @param text The text of a field, or a query.
 * @param field The field's name when indexing; `undefined` for a query.
 * @returns The terms, before MiniSearch lowercases them.
 */
function tokenizeForSearch(text: string, field?: string): string[] {
  const terms: string[] = [];
  for (const word of text.split(/[\n\r\p{Z}\p{P}]+/u)) {
    const parts = word.split(/(\p{Script=Han}+)/u);
    parts.forEach((part, index) => {
      if (part === "") return;
      // split() with a capturing group puts the Han runs at odd indexes.
      if (index % 2 === 0) return void terms.push(part);
      const chars = [...part];
      if (chars.length === 1) return void terms.push(part);
      for (let i = 0; i + 1 < chars.length; i++) {
        terms.push(chars[i] + chars[i + 1]);
      }
      if (field !== undefined) terms.push(...chars);
    });
  }
  return terms;
}

/**
 * Gives the copy button of every code block on a Chinese page a Chinese
 * title. (VitePress's `codeCopyButtonTitle` is one for the whole site; the
 * "Copied" note that follows a click is already in the page's language.)
 */
function localizeCopyButtons(md: MarkdownRenderer): void {
  const fence = md.renderer.rules.fence;
  if (fence === undefined) throw new Error("markdown-it has no fence rule");
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    const html = fence(tokens, idx, options, env, self);
    if (!(env.relativePath ?? "").startsWith("zh/")) return html;
    return html.replace(
      '<button title="Copy Code" class="copy">',
      '<button title="复制代码" class="copy">',
    );
  };
}

export default withMermaid(defineConfigWithTheme<ThemeConfig>({
  title: "UDP with Deno",
  description:
    "Classic Python UDP socket tutorials, ported to small standalone Deno scripts and explained side by side.",
  lang: "en",
  srcDir: "docs",
  // Where the site is served: `/` here and on a custom domain; GitHub Pages
  // serves a project site under `/REPOSITORY/`, which its workflow
  // (.github/workflows/pages.yml) passes in SITE_BASE.
  base: SITE_BASE,
  cleanUrls: true,
  head: [["link", {
    rel: "icon",
    type: "image/svg+xml",
    href: `${SITE_BASE}favicon.svg`,
  }]],
  markdown: {
    config(md) {
      requireSnippets(md);
      localizeCopyButtons(md);
      // `<<<< @/../scripts/minimal/NAME.ts`: the file, step by step.
      literate(md, { srcDir: DOCS, root: ROOT });
    },
  },
  mermaid: {
    securityLevel: "strict",
    // Diagrams keep the size they are laid out at (never text shrunk to a
    // few pixels), and each is drawn to fit a phone's 342 px: two
    // participants of 146 px; a diagram with more sets narrower ones in its
    // own %%{init}%% line. Long labels wrap inside their boxes, but Mermaid
    // hyphenates a word too long for its box, so none may be
    // (tests/site/browser_test.ts checks both at 390 px).
    sequence: {
      useMaxWidth: false,
      wrap: true,
      width: 146,
      actorMargin: 20,
      diagramMarginX: 8,
      messageFontSize: 14,
      noteFontSize: 14,
      actorFontSize: 13,
    },
    gantt: { useMaxWidth: false },
    flowchart: { useMaxWidth: false },
  },
  // In `vitepress dev`, Vite must pre-bundle Mermaid: it imports CommonJS
  // packages (fastdom) that a browser cannot load as they are.
  vite: {
    optimizeDeps: { include: ["mermaid"] },
    // The scripts and what they import, byte for byte: run by URL.
    plugins: [publishSources(["scripts", "lib"])],
  },
  locales: {
    root: { label: "English", lang: "en" },
    zh: {
      label: "简体中文",
      lang: "zh-CN",
      link: "/zh/",
      description:
        "把经典的 Python UDP 套接字教程移植成小巧、独立的 Deno 脚本，并与原作逐段对照讲解。",
      themeConfig: {
        nav: nav("zh"),
        sidebar: sidebar("zh"),
        editLink: {
          pattern: EDIT_LINK_PATTERN,
          text: "在 GitHub 上编辑此页",
        },
        outline: { level: [2, 3], label: "本页目录" },
        docFooter: { prev: "上一页", next: "下一页" },
        darkModeSwitchLabel: "外观",
        lightModeSwitchTitle: "切换到浅色模式",
        darkModeSwitchTitle: "切换到深色模式",
        sidebarMenuLabel: "菜单",
        returnToTopLabel: "回到顶部",
        langMenuLabel: "切换语言",
        skipToContentLabel: "跳到正文",
        footer: {
          message:
            `本站的代码和页面以 <a href="${REPOSITORY}/blob/${BRANCH}/LICENSE">MIT 许可证</a>发布。` +
            "Python 原作的版权归各自作者所有，每一页都注明了它所移植的原作。",
        },
        notFound: {
          title: "页面不存在",
          quote: "这个地址上没有页面：它可能改了名，也可能是链接写错了。",
          linkLabel: "返回中文版首页",
          linkText: "回到首页",
        },
      },
    },
  },
  themeConfig: {
    nav: nav("en"),
    sidebar: sidebar("en"),
    search: {
      provider: "local",
      options: {
        _render: searchableHtml,
        miniSearch: { options: { tokenize: tokenizeForSearch } },
        locales: {
          zh: {
            translations: {
              button: { buttonText: "搜索", buttonAriaLabel: "搜索" },
              modal: {
                displayDetails: "显示详细列表",
                resetButtonTitle: "清除查询",
                backButtonTitle: "关闭搜索",
                noResultsText: "没有找到相关结果",
                footer: {
                  selectText: "打开",
                  selectKeyAriaLabel: "回车键",
                  navigateText: "切换",
                  navigateUpKeyAriaLabel: "上方向键",
                  navigateDownKeyAriaLabel: "下方向键",
                  closeText: "关闭",
                  closeKeyAriaLabel: "Esc 键",
                },
              },
            },
          },
        },
      },
    },
    socialLinks: [{ icon: "github", link: REPOSITORY }],
    sourceLinkPattern: SOURCE_LINK_PATTERN,
    editLink: {
      pattern: EDIT_LINK_PATTERN,
      text: "Edit this page on GitHub",
    },
    outline: { level: [2, 3] },
    footer: {
      message:
        `Our code and pages are under the <a href="${REPOSITORY}/blob/${BRANCH}/LICENSE">MIT license</a>. ` +
        "The Python originals belong to their authors; each page credits the one it ports.",
    },
  },
}));
