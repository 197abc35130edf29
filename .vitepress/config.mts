/**
 * The tutorial site: VitePress, pages in `docs/`, code imported from
 * `scripts/` and `lib/` by region, diagrams drawn by Mermaid.
 *
 * The build fails on a dead link (VitePress's default) and on a snippet
 * import whose file or region does not exist (checked below: VitePress alone
 * would show the whole file for a region it cannot find).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import process from "node:process";
import { defineConfig, type MarkdownRenderer } from "vitepress";
import { withMermaid } from "vitepress-plugin-mermaid";

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

export default withMermaid(defineConfig({
  title: "UDP with Deno",
  description:
    "Classic Python UDP socket tutorials, ported to small standalone Deno scripts and explained side by side.",
  lang: "en",
  srcDir: "docs",
  cleanUrls: true,
  head: [["link", {
    rel: "icon",
    type: "image/svg+xml",
    href: "/favicon.svg",
  }]],
  markdown: { config: requireSnippets },
  mermaid: { securityLevel: "strict" },
  // In `vitepress dev`, Vite must pre-bundle Mermaid: it imports CommonJS
  // packages (fastdom) that a browser cannot load as they are.
  vite: { optimizeDeps: { include: ["mermaid"] } },
  themeConfig: {
    nav: [
      { text: "Getting started", link: "/guide/getting-started" },
      { text: "Programs", link: "/programs/echo" },
      { text: "Cheat sheet", link: "/concepts/cheat-sheet" },
    ],
    sidebar: [
      {
        text: "Start here",
        items: [
          { text: "Getting started", link: "/guide/getting-started" },
          { text: "UDP versus TCP", link: "/concepts/udp-vs-tcp" },
        ],
      },
      {
        text: "The programs",
        items: [
          { text: "Echo server and client", link: "/programs/echo" },
          { text: "Hello, name", link: "/programs/hello" },
          { text: "Time server and client", link: "/programs/time" },
          { text: "Size server and two clients", link: "/programs/size" },
          {
            text: "Broadcast sender and listener",
            link: "/programs/broadcast",
          },
        ],
      },
      {
        text: "Going further",
        items: [
          {
            text: "Timeouts and retries",
            link: "/concepts/timeouts-and-retries",
          },
          { text: "Broadcast on real networks", link: "/concepts/broadcast" },
          { text: "Staying safe", link: "/concepts/staying-safe" },
          { text: "Reliability", link: "/reliability" },
          { text: "Performance", link: "/performance" },
          { text: "Python to Deno cheat sheet", link: "/concepts/cheat-sheet" },
        ],
      },
    ],
    search: { provider: "local" },
    outline: { level: [2, 3] },
    footer: {
      message:
        "The Python originals belong to their authors; each page credits the one it ports.",
    },
  },
}));
