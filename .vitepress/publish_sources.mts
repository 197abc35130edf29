/**
 * Publishes source folders of the repository (`scripts/`, `lib/`) as static
 * files of the site, byte for byte, so that a reader can run a script by its
 * URL: `deno run -N --unstable-net https://SITE/scripts/echo_server.ts`.
 * Deno downloads the script and the `../lib/*.ts` files it imports from the
 * same site.
 *
 * `vitepress build` copies the files into the built site once the client
 * bundle is written; `vitepress dev` serves them from the repository as they
 * are, without Vite's TypeScript transform. Hidden files (a leading `.`) are
 * never published.
 *
 * @module
 */
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";

/** The repository's root folder: the parent of `.vitepress/`. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The Content-Type the dev server sends for `.ts`. Deno runs a remote module
 * as TypeScript under this type; it refuses one sent as JavaScript.
 */
const TYPESCRIPT = "application/typescript; charset=utf-8";

/** Every file under `dir`, as paths relative to `dir`, hidden ones left out. */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) {
      const inner = await filesUnder(join(dir, entry.name));
      files.push(...inner.map((file) => join(entry.name, file)));
    } else if (entry.isFile()) {
      files.push(entry.name);
    }
  }
  return files;
}

/**
 * A Vite plugin that publishes `folders` of the repository at the same paths
 * in the site: `scripts/echo_server.ts` is served at `<base>scripts/echo_server.ts`.
 *
 * @example Publish the scripts and what they import
 * ```ts
 * export default defineConfig({
 *   vite: { plugins: [publishSources(["scripts", "lib"])] },
 * });
 * ```
 *
 * @param folders Folders relative to the repository's root.
 * @returns The plugin.
 */
export function publishSources(folders: readonly string[]): Plugin {
  let outDir: string | undefined;
  return {
    name: "publish-sources",
    configResolved(config) {
      // VitePress builds twice; only the client build writes the site.
      outDir = config.command === "build" && !config.build.ssr
        ? resolve(config.root, config.build.outDir)
        : undefined;
    },
    async writeBundle() {
      if (outDir === undefined) return;
      for (const folder of folders) {
        for (const file of await filesUnder(join(ROOT, folder))) {
          const target = join(outDir, folder, file);
          await mkdir(join(target, ".."), { recursive: true });
          await copyFile(join(ROOT, folder, file), target);
        }
      }
    },
    configureServer(server) {
      const base = server.config.base;
      server.middlewares.use(async (request, response, next) => {
        const path = decodeURIComponent(
          (request.url ?? "").split("?")[0],
        );
        if (!path.startsWith(base)) return next();
        const wanted = path.slice(base.length);
        const folder = folders.find((f) => wanted.startsWith(`${f}/`));
        if (folder === undefined) return next();
        const file = resolve(ROOT, wanted);
        const inside = relative(join(ROOT, folder), file);
        // Nothing outside the folder (`..`), nothing hidden.
        if (inside.split(sep).some((part) => part.startsWith("."))) {
          return next();
        }
        try {
          const body = await readFile(file);
          response.setHeader(
            "Content-Type",
            file.endsWith(".ts") ? TYPESCRIPT : "application/octet-stream",
          );
          response.end(body);
        } catch {
          next();
        }
      });
    },
  };
}
