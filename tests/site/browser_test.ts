/**
 * Opens every page of the built site in headless Chromium and checks what a
 * reader sees: title and headings, code that matches the scripts, diagrams
 * drawn, no console errors, and search that finds "broadcast". Saves a
 * screenshot of one page to `test-results/site.png`.
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
  type Page,
  regionText,
  serveSite,
  snippetImports,
} from "./_site.ts";

const CHROMIUM = "/usr/bin/chromium";
const SITE_TITLE = "UDP with Deno";
const SCREENSHOT = `${ROOT}test-results/site.png`;
const SCREENSHOT_PAGE = "/concepts/timeouts-and-retries";
/** The heading the screenshot starts at: code, then the backoff timeline. */
const SCREENSHOT_HEADING = "h2#exponential-backoff";

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
    viewport: { width: 1280, height: 900 },
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
        assertEquals(problems, [], `console errors on ${page.path}`);
      });
    }

    await t.step('search finds "broadcast"', async () => {
      await browserPage.goto(`${url}/`, { waitUntil: "load" });
      await browserPage.locator(".VPNavBarSearch button").click();
      await browserPage.locator(".VPLocalSearchBox input").fill("broadcast");
      const results = browserPage.locator(".VPLocalSearchBox .results a");
      await results.first().waitFor({ timeout: 10_000 });
      const hrefs = await results.evaluateAll((links) =>
        links.map((a) => a.getAttribute("href") ?? "")
      );
      assert(
        hrefs.some((href) => href.startsWith("/programs/broadcast")),
        `no result links to /programs/broadcast: ${hrefs.join(", ")}`,
      );
      await browserPage.keyboard.press("Escape");
    });

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

    await t.step(`screenshot of ${SCREENSHOT_PAGE}`, async () => {
      await browserPage.goto(`${url}${SCREENSHOT_PAGE}`, { waitUntil: "load" });
      await browserPage.setViewportSize({ width: 1280, height: 1200 });
      await browserPage.locator(".mermaid svg").last().waitFor();
      // Scroll the heading to just below the fixed navigation bar.
      await browserPage.evaluate(
        `document.querySelector("${SCREENSHOT_HEADING}").scrollIntoView();
         window.scrollBy(0, -80);`,
      );
      await browserPage.screenshot({ path: SCREENSHOT });
      assert(exists(SCREENSHOT));
    });
  } finally {
    await context.close();
    await server.shutdown();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
});

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

  const imports = snippetImports(page.markdown);
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

  const diagrams = page.markdown.match(/^```mermaid\s*$/gm)?.length ?? 0;
  if (diagrams > 0) {
    await browserPage.waitForFunction(
      `document.querySelectorAll(".vp-doc .mermaid svg").length === ${diagrams}`,
      undefined,
      { timeout: 15_000 },
    );
    const failed = await browserPage.locator(
      ".vp-doc .mermaid svg[aria-roledescription='error']",
    ).count();
    assertEquals(failed, 0, `Mermaid could not draw a diagram on ${page.path}`);
  }
}

function clean(text: string | null): string {
  return (text ?? "").replaceAll("\u200b", "").trim();
}
