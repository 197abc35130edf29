/**
 * Run by URL, as Deno by Example does: the built site publishes `scripts/`
 * and `lib/` byte for byte, and a reader with nothing but Deno runs
 * `deno run -N --unstable-net https://SITE/scripts/echo_server.ts`.
 *
 * The test serves the built site on 127.0.0.1 and runs the echo server and
 * the echo client by URL from an empty folder, with a `DENO_DIR` of their
 * own. JSR is out of reach here, so an import map in that folder stands in
 * for it: it maps each `jsr:@std/...` name of `deno.json` to the JavaScript
 * file of the npm package `deno-std` that the repository's shim re-exports.
 * Nothing else of the repository is used.
 *
 * Mind the Content-Type a host sends for `.ts`. Common MIME tables give it
 * `video/mp2t` (an MPEG transport stream): Vite's static server sends that,
 * and so do hosts such as GitHub Pages that use those tables. Deno runs a
 * module sent as `video/mp2t` as TypeScript (checked here), but one sent as
 * JavaScript fails to parse (checked here too).
 *
 * The minimal files (`scripts/minimal/`) import nothing: the minimal echo
 * server and client run by URL from a folder with no import map at all.
 *
 * Needs the built site (`deno task site:build`) and write access to the
 * system's temporary folder.
 *
 * @module
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { encode, loopbackSocket, ROOT, sleep, within } from "../_helpers.ts";
import {
  DIST,
  listPages,
  literateImports,
  requireBuiltSite,
  serveSite,
  snippetImports,
} from "./_site.ts";

/** The folders the site publishes, as `.vitepress/config.mts` says. */
const PUBLISHED = ["scripts", "lib"];

/** A server script's ready line; with `--port 0` it names the real port. */
const READY = / listening on (\[[^\]]+\]|[^:\s]+):(\d+)$/m;

/** Every file under `dir`, relative to it, hidden ones left out, sorted. */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      files.push(
        ...await filesUnder(`${dir}${entry.name}/`, `${prefix}${entry.name}/`),
      );
    } else if (entry.isFile) {
      files.push(`${prefix}${entry.name}`);
    }
  }
  return files.sort();
}

/**
 * The import map a reader without JSR would write: each `jsr:` name that
 * `deno.json` maps to a shim, mapped to the `deno-std` JavaScript module the
 * shim re-exports (a file URL, so neither JSR nor npm is asked).
 */
async function importMapWithoutJsr(): Promise<{
  imports: Record<string, string>;
}> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const imports: Record<string, string> = {};
  for (const [name, target] of Object.entries<string>(config.imports)) {
    if (!name.startsWith("jsr:")) continue;
    const shim = await Deno.readTextFile(new URL(target, `file://${ROOT}`));
    const [, path] = /from\s+"npm:deno-std@[^/]+\/([^"]+)"/.exec(shim) ?? [];
    assert(path, `${target} (for ${name}) re-exports no npm:deno-std module`);
    imports[name] = new URL(`node_modules/deno-std/${path}`, `file://${ROOT}`)
      .href;
  }
  assert(Object.keys(imports).length > 0, "deno.json maps no jsr: names");
  return { imports };
}

/** A program started in the background, its output collected as it comes. */
interface Background extends AsyncDisposable {
  /** Waits until stdout matches `pattern`; fails after `ms` or at its exit. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray>;
}

/** An empty folder with an import map, and a `DENO_DIR` of its own. */
interface Reader extends AsyncDisposable {
  /** Runs `deno ARGS` there to its end (60 s at most); `stdin` is written, then closed. */
  run(args: string[], stdin?: string): Promise<Deno.CommandOutput>;
  /** Starts `deno ARGS` there; dispose of it to stop it. */
  start(args: string[]): Background;
}

/**
 * A reader's empty folder. With `importMap` (the default), it holds an
 * import map standing in for JSR, which every command uses; without it, the
 * folder stays empty, and the commands run with no configuration at all.
 */
async function emptyFolderReader(
  { importMap = true } = {},
): Promise<Reader> {
  const root = await Deno.makeTempDir({ prefix: "run_by_url_" });
  const cwd = `${root}/folder`;
  await Deno.mkdir(cwd);
  if (importMap) {
    await Deno.writeTextFile(
      `${cwd}/import_map.json`,
      JSON.stringify(await importMapWithoutJsr(), null, 2),
    );
  }
  const options = importMap ? ["--import-map=import_map.json"] : [];
  const spawn = (args: string[], stdin: "piped" | "null") =>
    new Deno.Command(Deno.execPath(), {
      args: [args[0], ...options, ...args.slice(1)],
      cwd,
      env: { DENO_DIR: `${root}/deno_dir`, NO_COLOR: "1" },
      stdin,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  const kill = (child: Deno.ChildProcess) => {
    try {
      child.kill("SIGKILL");
    } catch {
      // it has already exited
    }
  };
  return {
    async run(args, stdin) {
      const child = spawn(args, stdin === undefined ? "null" : "piped");
      const timer = setTimeout(() => kill(child), 60_000);
      try {
        if (stdin !== undefined) {
          const writer = child.stdin.getWriter();
          await writer.write(new TextEncoder().encode(stdin));
          await writer.close();
        }
        return await child.output();
      } finally {
        clearTimeout(timer);
      }
    },
    start(args) {
      const child = spawn(args, "null");
      let stdout = "";
      let stderr = "";
      const reading = Promise.all([
        child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
          new WritableStream({ write: (chunk) => void (stdout += chunk) }),
        ),
        child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
          new WritableStream({ write: (chunk) => void (stderr += chunk) }),
        ),
      ]);
      let exited = false;
      const status = child.status.finally(() => exited = true);
      return {
        async waitFor(pattern, ms) {
          const printed = () =>
            `stdout: ${JSON.stringify(stdout)}, stderr: ${
              JSON.stringify(stderr)
            }`;
          const deadline = Date.now() + ms;
          while (Date.now() < deadline) {
            const match = pattern.exec(stdout);
            if (match) return match;
            if (exited) {
              await reading;
              throw new Error(
                `it exited before printing ${pattern}; ${printed()}`,
              );
            }
            await sleep(50);
          }
          throw new Error(
            `no line matching ${pattern} within ${ms} ms; ${printed()}`,
          );
        },
        async [Symbol.asyncDispose]() {
          kill(child);
          await status;
          await reading;
        },
      };
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("site publishes scripts/ (scripts/minimal/ included) and lib/ byte for byte", async () => {
  await requireBuiltSite();
  const { server, url } = serveSite();
  try {
    for (const folder of PUBLISHED) {
      const files = await filesUnder(`${ROOT}${folder}/`);
      assert(files.length > 0, `${folder}/ is empty`);
      if (folder === "scripts") {
        assert(
          files.some((file) => file.startsWith("minimal/")),
          "scripts/minimal/ is empty: the site has no minimal files to publish",
        );
      }
      assertEquals(
        await filesUnder(`${DIST}${folder}/`).catch(() => []),
        files,
        `the built site's ${folder}/ differs from the repository's; rebuild it with deno task site:build`,
      );
      for (const file of files) {
        const response = await fetch(`${url}/${folder}/${file}`);
        assertEquals(response.status, 200, `${folder}/${file}`);
        assertEquals(
          new Uint8Array(await response.arrayBuffer()),
          await Deno.readFile(`${ROOT}${folder}/${file}`),
          `${folder}/${file} is published with other bytes than the repository's; rebuild the site with deno task site:build`,
        );
      }
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("site program pages show a run-by-URL line for each script they show", async (t) => {
  await requireBuiltSite();
  const pages = (await listPages()).filter((p) =>
    p.file.startsWith("programs/")
  );
  assert(pages.length > 0, "no pages under docs/programs/");
  for (const page of pages) {
    await t.step(page.file, async () => {
      const html = await Deno.readTextFile(
        `${DIST}${page.file.replace(/\.md$/, ".html")}`,
      );
      // What the page shows before the browser fills in the origin.
      const lines = [
        ...html.matchAll(
          /<div class="[^"]*\brun-by-url\b[^>]*>[\s\S]*?(<pre[\s\S]*?<\/pre>)/g,
        ),
      ].map(([, pre]) => pre.replace(/<[^>]*>/g, ""));
      const scripts = new Set(
        [
          ...literateImports(page.markdown),
          ...snippetImports(page.markdown).map((i) => i.file),
        ].filter((file) => file.startsWith("scripts/")),
      );
      assert(scripts.size > 0, `${page.file} shows no script`);
      const missing = [...scripts].filter((script) => {
        const escaped = script.replace(/[.]/g, "\\.");
        const run = new RegExp(
          `^deno run -N --unstable-net \\S+/${escaped}( |$)`,
        );
        return !lines.some((line) => run.test(line));
      });
      assertEquals(
        missing,
        [],
        `${page.file} shows these scripts without a line to run them by URL: add ${
          missing.map((script) =>
            `<RunByUrl script="${script.slice("scripts/".length)}" />`
          ).join(", ")
        } (the page's run-by-URL lines now: ${JSON.stringify(lines)})`,
      );
    });
  }
});

/** What a host may send for `.ts`, and whether Deno then runs the scripts. */
const HOSTS = [
  { type: "video/mp2t", host: "Vite's static server, GitHub Pages" },
  { type: "application/typescript; charset=utf-8", host: "a TypeScript type" },
];

Deno.test("echo_server and echo_client run by URL from an empty folder", async (t) => {
  await requireBuiltSite();
  for (const { type, host } of HOSTS) {
    await t.step(`.ts sent as ${type} (${host})`, async () => {
      const { server: site, url } = serveSite({ contentTypes: { ts: type } });
      await using reader = await emptyFolderReader();
      try {
        await using server = reader.start([
          "run",
          "-N",
          "--unstable-net",
          `${url}/scripts/echo_server.ts`,
          "--port",
          "0",
        ]);
        const [, , port] = await server.waitFor(READY, 60_000);
        const client = await reader.run([
          "run",
          "-N",
          "--unstable-net",
          `${url}/scripts/echo_client.ts`,
          "--port",
          port,
        ], "hello\n");
        const stdout = new TextDecoder().decode(client.stdout);
        const stderr = new TextDecoder().decode(client.stderr);
        assertEquals(client.code, 0, `echo_client failed: ${stderr}`);
        assertMatch(stdout, /^Server reply : OK\.\.\.hello$/m);
      } finally {
        await site.shutdown();
      }
    });
  }

  await t.step(".ts sent as JavaScript: Deno cannot run it", async () => {
    const { server: site, url } = serveSite({
      contentTypes: { ts: "text/javascript; charset=utf-8" },
    });
    try {
      await using reader = await emptyFolderReader();
      const result = await reader.run([
        "run",
        "-N",
        "--unstable-net",
        `${url}/scripts/echo_server.ts`,
        "--help",
      ]);
      assert(
        result.code !== 0,
        "it ran, although TypeScript came as JavaScript",
      );
      assertMatch(new TextDecoder().decode(result.stderr), /SyntaxError/);
    } finally {
      await site.shutdown();
    }
  });
});

Deno.test("the minimal echo server and client run by URL with no import map", async (t) => {
  await requireBuiltSite();
  const { server: site, url } = serveSite({
    contentTypes: { ts: "video/mp2t" },
  });
  try {
    await using reader = await emptyFolderReader({ importMap: false });
    await using server = reader.start([
      "run",
      "-N",
      "--unstable-net",
      `${url}/scripts/minimal/echo_server.ts`,
      "0",
    ]);
    const [, host, port] = await server.waitFor(READY, 60_000);
    assertEquals(host, "127.0.0.1");

    await t.step("the server answers OK... and the exact bytes", async () => {
      using socket = loopbackSocket();
      const payload = new Uint8Array([0xff, 0x00, 0x41]);
      await socket.send(payload, {
        transport: "udp",
        hostname: "127.0.0.1",
        port: Number(port),
      });
      const [reply] = await within(
        10_000,
        "the minimal echo server's reply",
        socket.receive(),
      );
      assertEquals(reply, new Uint8Array([...encode("OK..."), ...payload]));
    });

    await t.step("the client, by URL too, gets its reply", async () => {
      const client = await reader.run([
        "run",
        "-N",
        "--unstable-net",
        `${url}/scripts/minimal/echo_client.ts`,
        port,
      ], "hello\n");
      const stderr = new TextDecoder().decode(client.stderr);
      assertEquals(client.code, 0, `the minimal echo_client failed: ${stderr}`);
      assertMatch(
        new TextDecoder().decode(client.stdout),
        /^Server reply : OK\.\.\.hello$/m,
      );
    });
  } finally {
    await site.shutdown();
  }
});
