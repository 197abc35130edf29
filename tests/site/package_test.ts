/**
 * The repository as a package: MIT licensed in every place that says so, and
 * ready for JSR, with one export per script (so that
 * `deno run -N --unstable-net jsr:@SCOPE/NAME/echo-server` works once
 * published) and `deno publish --dry-run` passing. The dry run works offline.
 *
 * @module
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decode, ROOT, runProcess } from "../_helpers.ts";

interface DenoJson {
  name?: string;
  version?: string;
  license?: string;
  exports?: Record<string, string>;
}

const denoJson: DenoJson = JSON.parse(
  await Deno.readTextFile(`${ROOT}deno.json`),
);

/** The files in `scripts/`, e.g. `echo_server.ts`. */
async function scriptFiles(): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(`${ROOT}scripts`)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name);
  }
  return names.sort();
}

Deno.test("the license is MIT in LICENSE, package.json and deno.json", async () => {
  const license = await Deno.readTextFile(`${ROOT}LICENSE`);
  assert(license.startsWith("MIT License\n"), "LICENSE is not the MIT text");
  assertMatch(license, /^Copyright \(c\) \d{4} The UDP with Deno authors$/m);
  const packageJson = JSON.parse(
    await Deno.readTextFile(`${ROOT}package.json`),
  );
  assertEquals(packageJson.license, "MIT");
  assertEquals(denoJson.license, "MIT");
});

Deno.test("deno.json names the package and exports every script by its kebab-case name", async () => {
  assertMatch(denoJson.name ?? "", /^@[a-z0-9-]+\/[a-z0-9-]+$/);
  assertMatch(denoJson.version ?? "", /^\d+\.\d+\.\d+$/);
  const exports = denoJson.exports ?? {};
  for (const file of await scriptFiles()) {
    const name = `./${file.replace(/\.ts$/, "").replaceAll("_", "-")}`;
    assertEquals(exports[name], `./scripts/${file}`, `export ${name}`);
  }
  for (const [name, path] of Object.entries(exports)) {
    const stat = await Deno.stat(`${ROOT}${path}`).catch(() => undefined);
    assert(stat?.isFile, `export ${name} points at ${path}, which is missing`);
  }
});

Deno.test("the README shows how to run a script from JSR under the package's name", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  assert(
    readme.includes(
      `deno run -N --unstable-net jsr:${denoJson.name}/echo-server`,
    ),
    `README.md does not show "deno run -N --unstable-net jsr:${denoJson.name}/echo-server"`,
  );
});

Deno.test("deno publish --dry-run passes, and publishes only the package's files", async () => {
  const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
    "publish",
    "--dry-run",
    "--allow-dirty",
  ], { timeoutMs: 120_000 });
  const output = decode(stdout) + stderr;
  assertEquals(code, 0, output);
  assertMatch(output, /Dry run complete/);
  const published = [...output.matchAll(/file:\/\/\S+/g)].map(([url]) =>
    new URL(url).pathname.slice(ROOT.length)
  );
  for (const file of ["LICENSE", "README.md", "deno.json"]) {
    assert(published.includes(file), `${file} is not published`);
  }
  for (const file of await scriptFiles()) {
    assert(published.includes(`scripts/${file}`), `scripts/${file} missing`);
  }
  const stray = published.filter((file) =>
    !/^(scripts|lib|std_types)\/|^(LICENSE|README\.md|deno\.json)$/.test(file)
  );
  assertEquals(stray, [], "files published that the package does not need");
});
