/**
 * Opens every page of the built site in headless Chromium, in both editions
 * (English, and Chinese under `/zh/`: every page under `docs/` is visited),
 * and checks what a reader sees: title and headings, code that matches the
 * scripts, diagrams drawn, no console errors, links to the repository, search
 * that finds each lesson by its words in both languages, the language switch
 * from a page to its twin and back, and the Chinese edition's own words for
 * the theme's buttons and labels.
 *
 * Every page is also measured for legibility, on a desktop (1280x800) and on
 * a phone (390x844): the smallest text drawn in a diagram, in CSS pixels as
 * rendered, is at least 11; no table cell lies outside its table's visible
 * box or the screen (a column scrolled out of view); the page itself never
 * scrolls sideways; on the desktop, no code block is cut off and no line of
 * code (terminal sessions and run-by-URL lines aside, which wrap) is longer
 * than 80 columns; on the phone, no diagram is wider than its box, no text
 * of a diagram lies outside it, and no label is broken where its source has
 * no break (Mermaid hyphenates a word too long for its box: `127.0.0-`).
 *
 * Literate blocks (`<<<< @/../scripts/minimal/NAME.ts`) show each step's
 * comment beside its code on the desktop and above it on the phone, and
 * copy the whole file byte for byte; every program page shows its minimal
 * files before any region of a full script; every page links to the whole
 * source of each file it shows. Screenshots go to `test-results/`:
 * `site.png` (desktop), `literate.png` (the echo page's core, desktop) and
 * `phone-*.png` (`phone-zh-*.png` for Chinese pages).
 *
 * Needs the built site (`deno task site:build`) and Debian's `chromium` at
 * /usr/bin/chromium. Without Chromium the test is ignored with a message,
 * except under CI=true, where it fails.
 *
 * Run: deno task test:browser
 *
 * @module
 */
import { assert, assertEquals, fail } from "jsr:@std/assert@^1";
import type { Page as BrowserPage } from "playwright-core";
import { ROOT } from "../_helpers.ts";
import {
  DIST,
  frontmatterTitle,
  headings,
  listPages,
  literateImports,
  type Page,
  regionText,
  serveSite,
  type SnippetImport,
  snippetImports,
} from "./_site.ts";

const CHROMIUM = "/usr/bin/chromium";
const SITE_TITLE = "UDP with Deno";
const SCREENSHOT = `${ROOT}test-results/site.png`;
const SCREENSHOT_PAGE = "/concepts/timeouts-and-retries";
/** The heading the screenshot starts at: code, then the backoff timeline. */
const SCREENSHOT_HEADING = "h2#exponential-backoff";
/**
 * Pages whose phone view is saved, as `test-results/phone-NAME.png` (or
 * `phone-zh-NAME.png` for a Chinese page).
 */
const PHONE_SCREENSHOTS = [
  "/concepts/cheat-sheet",
  "/concepts/timeouts-and-retries",
  "/programs/echo",
  "/programs/time",
  "/zh/programs/echo",
  "/zh/programs/broadcast",
];

/** The page whose literate blocks are saved as `test-results/literate.png`. */
const LITERATE_SCREENSHOT_PAGE = "/programs/echo";

/** The two screens every page is measured on. */
const DESKTOP = { name: "desktop", width: 1280, height: 800 };
const PHONE = { name: "phone", width: 390, height: 844 };

/** The smallest diagram text a reader should have to read, in CSS pixels. */
const MIN_DIAGRAM_TEXT_PX = 11;
/** The widest line of code a page may show, in columns. */
const MAX_CODE_COLUMNS = 80;

/** Where the Chinese edition is served. */
const ZH = "/zh";

/**
 * Searches, from the home page of an edition, and the pages each must find
 * by the words of their lessons. Chinese has no spaces between words: the
 * site's search splits Chinese text itself (see `.vitepress/config.mts`).
 */
const SEARCHES: { home: string; query: string; expected: string[] }[] = [
  { home: "/", query: "broadcast", expected: ["/programs/broadcast"] },
  {
    home: "/",
    query: "backoff",
    expected: ["/programs/size", "/concepts/timeouts-and-retries"],
  },
  { home: `${ZH}/`, query: "广播", expected: [`${ZH}/programs/broadcast`] },
  {
    home: `${ZH}/`,
    query: "指数退避",
    expected: [`${ZH}/programs/size`, `${ZH}/concepts/timeouts-and-retries`],
  },
];

/** The page the language switch is tried on, and a section of it. */
const SWITCH_PAGE = "/programs/echo";
const SWITCH_ANCHOR = "#run-it";

/** What the Chinese edition says where the theme would say it in English. */
const ZH_WORDS = {
  search: "搜索",
  outline: "本页目录",
  previous: "上一页",
  next: "下一页",
  darkMode: "切换到深色模式",
  editLink: "在 GitHub 上编辑此页",
  copy: "复制代码",
  notFound: "页面不存在",
};

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const hasChromium = exists(CHROMIUM);
const required = Deno.env.get("CI") === "true";
if (!hasChromium && !required) {
  console.log(
    `browser_test: ignored, because ${CHROMIUM} is missing; install the Debian package chromium (apt-get install chromium) to run it`,
  );
}

/**
 * Loads playwright-core. Its bundled `is-wsl` probes /proc/sys at import
 * time, which Deno allows only under --allow-all; the package's own test
 * switch `__IS_WSL_TEST__` defers that probe (it is only used to open a
 * desktop browser, which this test never does). Its temporary files go to
 * test-results/tmp, so --allow-write can stay scoped to test-results.
 */
async function loadChromium() {
  Deno.env.set("__IS_WSL_TEST__", "1");
  const tmp = `${ROOT}test-results/tmp`;
  await Deno.mkdir(tmp, { recursive: true });
  Deno.env.set("TMPDIR", tmp);
  const { chromium } = await import("playwright-core");
  return chromium;
}

Deno.test({
  name: "the built site: every page renders its headings, code and diagrams",
  ignore: !hasChromium && !required,
  // Playwright keeps its own pipes and timers to the browser process.
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  if (!hasChromium) {
    fail(
      `CI=true but ${CHROMIUM} is missing: install the Debian package chromium`,
    );
  }
  if (!exists(`${DIST}index.html`)) {
    fail(`${DIST} has no index.html: run deno task site:build first`);
  }
  const pages = await listPages();
  const chromium = await loadChromium();
  const { server, url } = serveSite();
  const profile = await Deno.makeTempDir({
    dir: `${ROOT}test-results/tmp`,
    prefix: "chromium-",
  });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: DESKTOP.width, height: DESKTOP.height },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const browserPage = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    browserPage.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    browserPage.on("pageerror", (error) => problems.push(String(error)));
    browserPage.on("response", (response) => {
      if (response.status() >= 400) {
        problems.push(`${response.status()} for ${response.url()}`);
      }
    });

    for (const page of pages) {
      await t.step(`${page.path} (${page.file})`, async () => {
        problems.length = 0;
        await browserPage.goto(`${url}${page.path}`, { waitUntil: "load" });
        await checkPage(browserPage, page);
        assertEquals(
          await legibilityProblems(browserPage, page, DESKTOP),
          [],
          `${page.path} on a ${DESKTOP.name} (${DESKTOP.width} px)`,
        );
        assertEquals(problems, [], `console errors on ${page.path}`);
      });
    }

    await t.step(
      "the repository: one address for the GitHub link, the edit links and the clone line",
      async () => {
        await browserPage.goto(`${url}/guide/getting-started`, {
          waitUntil: "load",
        });
        const repository = await browserPage
          .locator(".VPNavBar .VPSocialLinks a[href^='https://github.com/']")
          .first().getAttribute("href");
        assert(repository, "the navigation bar has no GitHub link");
        assertEquals(
          await browserPage.locator(".VPDocFooter .edit-link a").getAttribute(
            "href",
          ),
          `${repository}/edit/main/docs/guide/getting-started.md`,
        );
        const code = await browserPage.locator(
          ".vp-doc div[class*='language-'] pre code",
        ).evaluateAll((codes) => codes.map((c) => c.textContent ?? ""));
        assert(
          code.some((block) => block.includes(`git clone ${repository}.git\n`)),
          `Getting started shows no "git clone ${repository}.git"`,
        );
      },
    );

    for (const { home, query, expected } of SEARCHES) {
      await t.step(
        `search on ${home} finds "${query}" on ${expected.join(" and ")}`,
        async () => {
          await browserPage.goto(`${url}${home}`, { waitUntil: "load" });
          await browserPage.locator(".VPNavBarSearch button").click();
          await browserPage.locator(".VPLocalSearchBox input").fill(query);
          const results = browserPage.locator(".VPLocalSearchBox .results a");
          await results.first().waitFor({ timeout: 10_000 });
          // The box opens with the last query's results (VitePress keeps the
          // query); wait, at most 10 s, for those of this one.
          await browserPage.waitForFunction(
            `[...document.querySelectorAll(".VPLocalSearchBox .results a")]
              .some((a) => (a.getAttribute("href") ?? "")
                .startsWith(${JSON.stringify(expected[0])}))`,
            undefined,
            { timeout: 10_000 },
          ).catch(() => {}); // the assertions below say what was found
          const hrefs = await results.evaluateAll((links) =>
            links.map((a) => a.getAttribute("href") ?? "")
          );
          for (const path of expected) {
            assert(
              hrefs.some((href) =>
                href === path || href.startsWith(`${path}#`)
              ),
              `no result for "${query}" links to ${path}: ${hrefs.join(", ")}`,
            );
          }
          const chinese = home.startsWith(`${ZH}/`);
          const otherEdition = hrefs.filter((href) =>
            href.startsWith(`${ZH}/`) !== chinese
          );
          assertEquals(
            otherEdition,
            [],
            `search on ${home} found pages of the other edition`,
          );
          await browserPage.keyboard.press("Escape");
        },
      );
    }

    await t.step(
      `the language switch leads from ${SWITCH_PAGE} to ${ZH}${SWITCH_PAGE} and back`,
      async () => {
        const english: Shown = {
          path: `${SWITCH_PAGE}${SWITCH_ANCHOR}`,
          lang: "en",
          h1: headings(pageAt(pages, SWITCH_PAGE).markdown).h1 ?? "",
        };
        const chinese: Shown = {
          path: `${ZH}${SWITCH_PAGE}${SWITCH_ANCHOR}`,
          lang: "zh-CN",
          h1: headings(pageAt(pages, `${ZH}${SWITCH_PAGE}`).markdown).h1 ?? "",
        };
        await browserPage.goto(`${url}${english.path}`, { waitUntil: "load" });
        await switchLanguage(browserPage, "简体中文", chinese);
        await switchLanguage(browserPage, "English", english);
      },
    );

    await t.step(
      "the Chinese edition's labels, sidebar and edit link are Chinese",
      async () => {
        const page = `${ZH}/programs/echo`;
        await browserPage.goto(`${url}${page}`, { waitUntil: "load" });
        const text = async (selector: string) =>
          clean(await browserPage.locator(selector).first().textContent());
        assertEquals(
          await text(".VPNavBarSearch button .DocSearch-Button-Placeholder"),
          ZH_WORDS.search,
        );
        assertEquals(
          await text(".VPDocAsideOutline .outline-title"),
          ZH_WORDS.outline,
        );
        assertEquals(
          await text(".VPDocFooter .pager-link.prev .desc"),
          ZH_WORDS.previous,
        );
        assertEquals(
          await text(".VPDocFooter .pager-link.next .desc"),
          ZH_WORDS.next,
        );
        assertEquals(
          await browserPage.locator(".VPNavBarAppearance button")
            .getAttribute("title"),
          ZH_WORDS.darkMode,
        );
        const repository = await browserPage
          .locator(".VPNavBar .VPSocialLinks a[href^='https://github.com/']")
          .first().getAttribute("href");
        assertEquals(
          await text(".VPDocFooter .edit-link a"),
          ZH_WORDS.editLink,
        );
        assertEquals(
          await browserPage.locator(".VPDocFooter .edit-link a")
            .getAttribute("href"),
          `${repository}/edit/main/docs/zh/programs/echo.md`,
        );
        const sidebar = await browserPage.locator(".VPSidebar a.link")
          .evaluateAll((links) =>
            links.map((a) => a.getAttribute("href") ?? "")
          );
        assert(sidebar.length > 0, `${page} has no sidebar`);
        assertEquals(
          sidebar.filter((href) =>
            !(href.startsWith(`${ZH}/`) && pages.some((p) => p.path === href))
          ),
          [],
          `sidebar links of ${page} that lead to no Chinese page`,
        );
      },
    );

    await t.step(
      `a missing page under ${ZH}/ gets the Chinese "not found" page`,
      async () => {
        await browserPage.goto(`${url}${ZH}/no-such-page`, {
          waitUntil: "load",
        });
        const title = browserPage.locator(".NotFound .title");
        await title.waitFor();
        assertEquals(clean(await title.textContent()), ZH_WORDS.notFound);
        assertEquals(
          await browserPage.locator(".NotFound .link").getAttribute("href"),
          `${ZH}/`,
        );
      },
    );

    await t.step(
      `the copy buttons of code on ${ZH}${SWITCH_PAGE} say "${ZH_WORDS.copy}"`,
      async () => {
        const page = `${ZH}${SWITCH_PAGE}`;
        await browserPage.goto(`${url}${page}`, { waitUntil: "load" });
        const titles = await browserPage.locator(".vp-doc button.copy")
          .evaluateAll((buttons) =>
            buttons.map((b) => b.getAttribute("title"))
          );
        assert(titles.length > 0, `${page} has no copy buttons`);
        assertEquals(
          titles.filter((title) => title !== ZH_WORDS.copy),
          [],
          `copy buttons on ${page} titled other than "${ZH_WORDS.copy}"`,
        );
      },
    );

    await t.step("dark mode switches and diagrams follow", async () => {
      await browserPage.goto(`${url}${SCREENSHOT_PAGE}`, { waitUntil: "load" });
      await browserPage.locator(".mermaid svg").first().waitFor();
      await browserPage.locator(".VPNavBarAppearance button").click();
      await browserPage.waitForFunction(
        'document.documentElement.classList.contains("dark")',
      );
      await browserPage.locator(".mermaid svg").first().waitFor();
      await browserPage.locator(".VPNavBarAppearance button").click();
      await browserPage.waitForFunction(
        '!document.documentElement.classList.contains("dark")',
      );
    });

    await t.step(
      `screenshot of ${LITERATE_SCREENSHOT_PAGE}'s core`,
      async () => {
        const path = `${ROOT}test-results/literate.png`;
        await browserPage.setViewportSize({
          width: DESKTOP.width,
          height: DESKTOP.height,
        });
        await browserPage.goto(`${url}${LITERATE_SCREENSHOT_PAGE}`, {
          waitUntil: "load",
        });
        await browserPage.evaluate(
          `document.querySelector(".literate").scrollIntoView();
         window.scrollBy(0, -80);`,
        );
        await browserPage.screenshot({ path });
        assert(exists(path));
      },
    );

    await t.step(`screenshot of ${SCREENSHOT_PAGE}`, async () => {
      await browserPage.goto(`${url}${SCREENSHOT_PAGE}`, { waitUntil: "load" });
      await browserPage.setViewportSize({ width: DESKTOP.width, height: 1200 });
      await browserPage.locator(".mermaid svg").last().waitFor();
      // Scroll the heading to just below the fixed navigation bar.
      await browserPage.evaluate(
        `document.querySelector("${SCREENSHOT_HEADING}").scrollIntoView();
         window.scrollBy(0, -80);`,
      );
      await browserPage.screenshot({ path: SCREENSHOT });
      assert(exists(SCREENSHOT));
    });

    await browserPage.setViewportSize({
      width: PHONE.width,
      height: PHONE.height,
    });
    for (const page of pages) {
      await t.step(`${page.path} on a ${PHONE.name}`, async () => {
        problems.length = 0;
        await browserPage.goto(`${url}${page.path}`, { waitUntil: "load" });
        assertEquals(
          await legibilityProblems(browserPage, page, PHONE),
          [],
          `${page.path} on a ${PHONE.name} (${PHONE.width} px)`,
        );
        assertEquals(problems, [], `console errors on ${page.path}`);
        if (PHONE_SCREENSHOTS.includes(page.path)) {
          const edition = page.path.startsWith(`${ZH}/`) ? "zh-" : "";
          const name = edition + page.path.split("/").pop();
          const path = `${ROOT}test-results/phone-${name}.png`;
          await browserPage.screenshot({ path, fullPage: true });
          assert(exists(path));
        }
      });
    }
  } finally {
    await context.close();
    await server.shutdown();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
});

/** The page served at `path`. */
function pageAt(pages: Page[], path: string): Page {
  const page = pages.find((p) => p.path === path);
  if (page === undefined) fail(`docs/ has no page for ${path}`);
  return page;
}

/** What the browser shows: the path and `#anchor`, the language, the h1. */
interface Shown {
  path: string;
  lang: string;
  h1: string;
}

/** In the page: what it shows, as a {@linkcode Shown}. */
const SHOWN = `(() => ({
  path: location.pathname + location.hash,
  lang: document.documentElement.lang,
  h1: (document.querySelector(".vp-doc h1")?.textContent ?? "")
    .replaceAll("\u200b", "").trim(),
}))()`;

/**
 * Picks a language from the navigation bar's language menu (at 1280 px and
 * wider, a menu that opens on hover) and waits, at most 10 s, until the
 * browser shows the expected page in that language.
 */
async function switchLanguage(
  browserPage: BrowserPage,
  language: string,
  expected: Shown,
): Promise<void> {
  const menu = browserPage.locator(".VPNavBarTranslations");
  await menu.locator("button").hover();
  const link = menu.locator(".VPMenuLink a", { hasText: language });
  assertEquals(
    await link.getAttribute("href"),
    expected.path,
    `the language menu's link to ${language}`,
  );
  await link.click();
  try {
    await browserPage.waitForFunction(
      `JSON.stringify(${SHOWN}) === ${
        JSON.stringify(JSON.stringify(expected))
      }`,
      undefined,
      { timeout: 10_000 },
    );
  } catch {
    assertEquals(
      await browserPage.evaluate(SHOWN),
      expected,
      `after choosing ${language} in the language menu`,
    );
  }
}

async function checkPage(browserPage: BrowserPage, page: Page): Promise<void> {
  const { h1, h2 } = headings(page.markdown);
  const pageTitle = frontmatterTitle(page.markdown) ?? h1;
  const title = await browserPage.title();
  assertEquals(
    title,
    pageTitle === undefined ? SITE_TITLE : `${pageTitle} | ${SITE_TITLE}`,
    `title of ${page.path}`,
  );
  if (h1 !== undefined) {
    const shownH1 = await browserPage.locator(".vp-doc h1").first()
      .textContent();
    assertEquals(clean(shownH1), h1, `h1 of ${page.path}`);
  }
  const shownH2 = await browserPage.locator(".vp-doc h2").evaluateAll((hs) =>
    hs.map((h) => h.textContent ?? "")
  );
  assertEquals(shownH2.map(clean), h2, `h2 headings of ${page.path}`);

  const imports = [
    ...snippetImports(page.markdown),
    ...exampleImports(page.markdown),
  ];
  if (imports.length > 0) {
    const blocks = await browserPage.locator(
      ".vp-doc div[class*='language-'] pre code",
    )
      .evaluateAll((codes) => codes.map((c) => c.textContent ?? ""));
    const shown = new Set(blocks.map((b) => b.replace(/\n$/, "")));
    for (const { file, region } of imports) {
      const expected = regionText(
        await Deno.readTextFile(`${ROOT}${file}`),
        region,
      )
        .replace(/\n$/, "");
      assert(
        shown.has(expected),
        `${page.path} shows no code block equal to ${file}#${region ?? ""}`,
      );
    }
  }

  await checkLiterate(browserPage, page);
  await waitForDiagrams(browserPage, page);
}

/**
 * Checks a page's literate blocks and source links: each file the page
 * shows as a literate block is there, its copy button copies the file byte
 * for byte, it comes before any region of a full script, and every file
 * the page shows (whole or by region) has a link to its whole source.
 */
async function checkLiterate(
  browserPage: BrowserPage,
  page: Page,
): Promise<void> {
  const literate = literateImports(page.markdown);
  const program = /^(zh\/)?programs\//.test(page.file);
  if (program) {
    assert(literate.length > 0, `${page.path} shows no minimal file`);
  }
  const blocks = await browserPage.locator(".vp-doc .literate").evaluateAll(
    (divs) =>
      divs.map((div) => ({
        file: div.getAttribute("data-file") ?? "",
        copied: div.querySelector(".literate-copy pre")?.textContent ?? "",
        steps: div.querySelectorAll(".literate-step").length,
      })),
  );
  assertEquals(
    blocks.map((b) => b.file),
    literate,
    `${page.path}: the literate blocks shown`,
  );
  for (const block of blocks) {
    assertEquals(
      block.copied,
      await Deno.readTextFile(`${ROOT}${block.file}`),
      `${page.path}: the copy button of ${block.file} copies other text than the file`,
    );
    assert(block.steps > 0, `${page.path}: ${block.file} shows no step`);
  }

  // The minimal files first: no region of a script before the last of them.
  const regions = new Set<string>();
  for (const { file, region } of snippetImports(page.markdown)) {
    if (region === undefined || !file.startsWith("scripts/")) continue;
    regions.add(
      regionText(await Deno.readTextFile(`${ROOT}${file}`), region)
        .replace(/\n$/, ""),
    );
  }
  const order = await browserPage.locator(
    ".vp-doc .literate, .vp-doc div[class*='language-'] pre code",
  ).evaluateAll((elements) =>
    elements.filter((e) =>
      e.closest(".literate") === null || e.matches(".literate")
    )
      .map((e) =>
        e.matches(".literate") ? null : (e.textContent ?? "").replace(/\n$/, "")
      )
  );
  const lastLiterate = order.lastIndexOf(null);
  const firstRegion = order.findIndex((text) =>
    text !== null && regions.has(text)
  );
  if (lastLiterate !== -1 && firstRegion !== -1) {
    assert(
      lastLiterate < firstRegion,
      `${page.path} shows a region of a full script before its last minimal file`,
    );
  }

  const shown = new Set([
    ...literate,
    ...snippetImports(page.markdown).map((i) => i.file)
      .filter((file) => /^(scripts|lib)\//.test(file)),
  ]);
  const links = await browserPage.locator(".vp-doc a[href]").evaluateAll(
    (anchors) => anchors.map((a) => a.getAttribute("href") ?? ""),
  );
  const unlinked = [...shown].filter((file) =>
    !links.some((href) => href.endsWith(`/blob/main/${file}`))
  );
  assertEquals(
    unlinked,
    [],
    `${page.path} shows these files without a link to their whole source (<SourceLink path="FILE" />)`,
  );
}

/**
 * The imports of example files under `docs/` (`<<< @/examples/NAME.js#region`),
 * which {@linkcode snippetImports} leaves out, with paths from the repository.
 */
function exampleImports(markdown: string): SnippetImport[] {
  const found = markdown.matchAll(
    /^\s*<<< @\/(?!\.\.\/)([\w./-]+?\.[jt]s)(?:#([\w-]+))?(?=[\s{[]|$)/gm,
  );
  return [...found].map(([, file, region]) => ({
    file: `docs/${file}`,
    region,
  }));
}

/**
 * Waits until Mermaid has drawn every diagram of the page. Mermaid may show
 * an error for a moment on a first load and then draw the diagram; one that
 * is still an error after 15 seconds fails.
 */
async function waitForDiagrams(
  browserPage: BrowserPage,
  page: Page,
): Promise<void> {
  const diagrams = page.markdown.match(/^```mermaid\s*$/gm)?.length ?? 0;
  if (diagrams === 0) return;
  const drawn = `(() => {
    const svgs = [...document.querySelectorAll(".vp-doc .mermaid svg")];
    return svgs.length === ${diagrams} &&
      svgs.every((svg) => svg.getAttribute("aria-roledescription") !== "error");
  })()`;
  try {
    await browserPage.waitForFunction(drawn, undefined, { timeout: 15_000 });
  } catch {
    const shown = await browserPage.locator(".vp-doc .mermaid svg").count();
    const failed = await browserPage.locator(
      ".vp-doc .mermaid svg[aria-roledescription='error']",
    ).count();
    fail(
      `${page.path}: Mermaid drew ${
        shown - failed
      } of ${diagrams} diagrams (${failed} errors) within 15 s`,
    );
  }
}

/** A screen size to measure a page on. */
interface Screen {
  name: string;
  width: number;
  height: number;
}

/**
 * In the page: the smallest font size, in CSS pixels as drawn on the screen
 * (an SVG scaled down to fit shrinks its text), of any text in a diagram, or
 * `null` if the page has none.
 */
const SMALLEST_DIAGRAM_TEXT = `(() => {
  let smallest = null;
  for (const svg of document.querySelectorAll(".vp-doc .mermaid svg")) {
    for (const element of svg.querySelectorAll("text, tspan, foreignObject *")) {
      const hasText = [...element.childNodes].some((node) =>
        node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== ""
      );
      if (!hasText) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const matrix = (element.closest("foreignObject") ?? element).getScreenCTM();
      if (matrix === null) continue;
      const size = parseFloat(getComputedStyle(element).fontSize) *
        Math.hypot(matrix.a, matrix.b);
      if (smallest === null || size < smallest.size) {
        smallest = { size, text: element.textContent.trim().slice(0, 40) };
      }
    }
  }
  return smallest;
})()`;

/**
 * In the page: every table cell that lies outside its table's visible box or
 * outside the screen, that is, in a column the reader must scroll to, and
 * every table that scrolls sideways. A header row hidden for the phone's
 * one-card-per-row view (1 px wide) is skipped: each cell carries its label.
 */
const TABLES_OUT_OF_VIEW = `(() => {
  const problems = [];
  const screen = document.documentElement.clientWidth;
  [...document.querySelectorAll(".vp-doc table")].forEach((table, index) => {
    const box = table.getBoundingClientRect();
    const left = Math.max(box.left, 0);
    const right = Math.min(box.right, screen);
    for (const cell of table.querySelectorAll("th, td")) {
      const head = cell.closest("thead");
      if (head !== null && head.getBoundingClientRect().width <= 1) continue;
      const r = cell.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not displayed: empty
      if (r.left < left - 1 || r.right > right + 1) {
        problems.push("table " + (index + 1) + ": the cell " +
          JSON.stringify(cell.textContent.trim().slice(0, 30)) +
          " is out of view (" + Math.round(r.left) + "-" + Math.round(r.right) +
          " px of " + Math.round(left) + "-" + Math.round(right) + ")");
        break;
      }
    }
    if (table.scrollWidth > table.clientWidth + 1) {
      problems.push("table " + (index + 1) + " scrolls sideways (" +
        table.scrollWidth + " px in " + table.clientWidth + ")");
    }
  });
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) {
    problems.push("the page scrolls sideways (" + page.scrollWidth +
      " px in " + page.clientWidth + ")");
  }
  return problems;
})()`;

/**
 * In the page: code blocks cut off at the right edge, and lines of code
 * longer than the given number of columns. Terminal sessions (console
 * blocks) and run-by-URL lines, whose length is the host's address, wrap
 * their lines, so only whether they are cut off counts.
 */
function codeTooWide(columns: number): string {
  return `(() => {
    const problems = [];
    const blocks = document.querySelectorAll(".vp-doc div[class*='language-']");
    [...blocks].forEach((block, index) => {
      const pre = block.querySelector("pre");
      if (pre === null) return;
      const lines = pre.textContent.split("\\n");
      if (pre.clientWidth > 0 && pre.scrollWidth > pre.clientWidth + 1) {
        const longest = lines.reduce((a, b) => b.length > a.length ? b : a, "");
        problems.push("code block " + (index + 1) + " is cut off: " +
          JSON.stringify(longest));
      }
      if (
        block.classList.contains("language-console") ||
        block.classList.contains("run-by-url")
      ) return;
      for (const line of lines) {
        const width = [...line].length;
        if (width > ${columns}) {
          problems.push("code block " + (index + 1) + " has a line of " + width +
            " columns: " + JSON.stringify(line));
        }
      }
    });
    return problems;
  })()`;
}

/**
 * What makes a page hard to read on the given screen: small diagram text,
 * tables with a column out of view, a page that scrolls sideways, and (on
 * the desktop, where code has room for 80 columns) code that does not fit.
 */
async function legibilityProblems(
  browserPage: BrowserPage,
  page: Page,
  screen: Screen,
): Promise<string[]> {
  await waitForDiagrams(browserPage, page);
  const problems: string[] = [];
  const smallest = await browserPage.evaluate(SMALLEST_DIAGRAM_TEXT) as
    | { size: number; text: string }
    | null;
  if (smallest !== null && smallest.size < MIN_DIAGRAM_TEXT_PX - 0.05) {
    problems.push(
      `diagram text "${smallest.text}" is ${
        smallest.size.toFixed(1)
      } px, under ${MIN_DIAGRAM_TEXT_PX} px`,
    );
  }
  problems.push(
    ...await browserPage.evaluate(TABLES_OUT_OF_VIEW) as string[],
  );
  if (screen.width >= DESKTOP.width) {
    problems.push(
      ...await browserPage.evaluate(codeTooWide(MAX_CODE_COLUMNS)) as string[],
    );
  }
  const sideBySide = screen.width >= DESKTOP.width;
  problems.push(
    ...await browserPage.evaluate(literateLayout(sideBySide)) as string[],
  );
  if (screen.width <= PHONE.width) {
    problems.push(
      ...await browserPage.evaluate(diagramsOutOfTheirBox(page)) as string[],
    );
  }
  return problems;
}

/**
 * In the page: literate blocks laid out otherwise than expected: each step's
 * comment beside its code (`sideBySide`, the desktop) or above it (the
 * phone), inside the block.
 */
function literateLayout(sideBySide: boolean): string {
  return `(() => {
    const problems = [];
    for (const block of document.querySelectorAll(".vp-doc .literate")) {
      const name = block.getAttribute("data-file");
      const box = block.getBoundingClientRect();
      block.querySelectorAll(".literate-step").forEach((step, index) => {
        const comment = step.querySelector(".literate-comment").getBoundingClientRect();
        const code = step.querySelector(".literate-code pre");
        if (code === null) return;
        const c = code.getBoundingClientRect();
        const where = name + ", step " + (index + 1) + ": ";
        if (comment.height === 0) return;
        if (${sideBySide}) {
          if (!(comment.right <= c.left && comment.top < c.bottom && c.top < comment.bottom)) {
            problems.push(where + "the comment is not beside its code");
          }
        } else if (!(comment.bottom <= c.top)) {
          problems.push(where + "the comment is not above its code");
        }
        if (c.left < box.left - 1 || c.right > box.right + 1) {
          problems.push(where + "the code lies outside the block");
        }
      });
    }
    return problems;
  })()`;
}

/** The source of each Mermaid diagram of a page, in order. */
function diagramSources(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\s*\n([\s\S]*?)^```\s*$/gm)]
    .map(([, source]) => source);
}

/**
 * In the page: diagrams wider than their box, diagram text outside the
 * diagram, and labels broken where their source has no break. Mermaid
 * breaks a word too long for its box with a hyphen (\`127.0.0-\`): a line
 * that ends in a hyphen must end with a word of the source. An HTML label
 * (a flowchart's) breaks only where its source has a \`<br/>\`.
 */
function diagramsOutOfTheirBox(page: Page): string {
  return `(() => {
    const sources = ${JSON.stringify(diagramSources(page.markdown))};
    const problems = [];
    const svgs = [...document.querySelectorAll(".vp-doc .mermaid svg")];
    svgs.forEach((svg, index) => {
      const where = "diagram " + (index + 1) + ": ";
      const words = new Set((sources[index] ?? "").split(/\\s+|<br\\s*\\/?>|"/));
      const box = svg.parentElement.getBoundingClientRect();
      const drawn = svg.getBoundingClientRect();
      if (drawn.width > box.width + 1) {
        problems.push(where + "is " + Math.round(drawn.width) +
          " px wide in a box of " + Math.round(box.width) + " px");
      }
      for (const text of svg.querySelectorAll("text, foreignObject")) {
        const r = text.getBoundingClientRect();
        if (r.width === 0) continue;
        if (r.left < drawn.left - 1 || r.right > drawn.right + 1) {
          problems.push(where + JSON.stringify(text.textContent.trim()) +
            " lies outside the diagram");
        }
      }
      const lines = [...svg.querySelectorAll("text, tspan")]
        .filter((t) => t.querySelector("tspan") === null)
        .map((t) => t.textContent.trim());
      for (const line of lines) {
        const last = line.split(/\\s+/).pop();
        if (line.endsWith("-") && !words.has(last)) {
          problems.push(where + "the label is broken: " + JSON.stringify(line));
        }
      }
      // An HTML label: each of its text nodes (a line of its source,
      // between <br/>s) is drawn on one line.
      for (const label of svg.querySelectorAll("foreignObject")) {
        const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.textContent.trim() === "") continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          const tops = new Set([...range.getClientRects()]
            .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) {
            problems.push(where + "the label " +
              JSON.stringify(node.textContent.trim()) + " wraps to " +
              tops.size + " lines");
          }
        }
      }
    });
    return problems;
  })()`;
}

function clean(text: string | null): string {
  return (text ?? "").replaceAll("\u200b", "").trim();
}
