/**
 * The GitHub workflows in `.github/workflows/`: each one valid against the
 * GitHub Actions schema (checked by `action-validator`, from npm), the CI one
 * running `.ci/run`, the publishing one refusing a tag that does not match
 * `deno.json`'s version, and the Pages one building the site under the base
 * path that Pages gives it.
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import { parse } from "jsr:@std/yaml@^1/parse";
import { decode, ROOT, runProcess } from "../_helpers.ts";

const WORKFLOWS = `${ROOT}.github/workflows/`;

/** The validator's command line: Node.js runs its npm package's CLI. */
const VALIDATOR = `${ROOT}node_modules/@action-validator/cli/cli.mjs`;

/** One step of a job, as far as these tests read it. */
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

/** A workflow, as far as these tests read it. */
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { "runs-on": string; steps: Step[] }>;
}

async function readWorkflow(name: string): Promise<Workflow> {
  return parse(await Deno.readTextFile(`${WORKFLOWS}${name}`)) as Workflow;
}

/** Every step of every job of a workflow, in order. */
function stepsOf(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps);
}

async function validate(file: string) {
  const { code, stdout, stderr } = await runProcess("node", [VALIDATOR, file], {
    timeoutMs: 60_000,
  });
  return { code, output: decode(stdout) + stderr };
}

Deno.test("workflows: every file is valid against the GitHub Actions schema", async (t) => {
  const names = [];
  for await (const entry of Deno.readDir(WORKFLOWS)) names.push(entry.name);
  assertEquals(names.sort(), ["ci.yml", "pages.yml", "publish.yml"]);
  for (const name of names) {
    await t.step(name, async () => {
      const { code, output } = await validate(`${WORKFLOWS}${name}`);
      assertEquals(code, 0, output);
    });
  }
  await t.step("a workflow with a misspelt key is refused", async () => {
    const text = await Deno.readTextFile(`${WORKFLOWS}ci.yml`);
    const broken = await Deno.makeTempFile({ suffix: ".yml" });
    try {
      await Deno.writeTextFile(broken, text.replace("steps:", "stepz:"));
      const { code, output } = await validate(broken);
      assertEquals(code, 1, output);
      assertStringIncludes(output, "stepz");
    } finally {
      await Deno.remove(broken);
    }
  });
});

Deno.test("workflows: CI runs .ci/run on every push and pull request", async () => {
  const ci = await readWorkflow("ci.yml");
  assert("push" in ci.on && "pull_request" in ci.on, "not on push and PR");
  const runs = stepsOf(ci).map((step) => step.run ?? "");
  assert(runs.includes("bash .ci/run"), `no step runs .ci/run: ${runs}`);
  const cache = stepsOf(ci).find((step) =>
    step.uses?.startsWith("actions/cache@")
  );
  assertEquals(cache?.with?.path, "~/.npm", "npm's downloads are not cached");
});

/** Runs the publishing workflow's tag check as GitHub would for `tag`. */
async function checkTag(tag: string) {
  const publish = await readWorkflow("publish.yml");
  const step = stepsOf(publish).find((step) => /tag/i.test(step.name ?? ""));
  assert(step?.run, "the publishing workflow has no step that checks the tag");
  const { code, stdout, stderr } = await runProcess(
    "bash",
    ["-e", "-c", step.run],
    { cwd: ROOT, env: { GITHUB_REF_NAME: tag }, timeoutMs: 30_000 },
  );
  return { code, output: decode(stdout) + stderr };
}

Deno.test("workflows: publishing refuses a tag that is not deno.json's version", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const good = await checkTag(`v${version}`);
  assertEquals(good.code, 0, good.output);
  const bad = await checkTag("v99.0.0");
  assertEquals(bad.code, 1, bad.output);
  const lines = bad.output.trim().split("\n");
  assertEquals(lines.length, 1, bad.output);
  assertStringIncludes(lines[0], "v99.0.0");
  assertStringIncludes(lines[0], version);
});

Deno.test("workflows: publishing uses OIDC, and only after the tag check", async () => {
  const publish = await readWorkflow("publish.yml");
  assertEquals(publish.permissions?.["id-token"], "write");
  assertEquals(Object.keys(publish.on), ["push"]);
  const steps = stepsOf(publish);
  const check = steps.findIndex((step) => /tag/i.test(step.name ?? ""));
  const release = steps.findIndex((step) =>
    /deno publish$/.test(step.run ?? "")
  );
  assert(
    check >= 0 && release > check,
    "deno publish does not follow the check",
  );
});

Deno.test("workflows: Pages builds the site under the base path Pages gives", async () => {
  const pages = await readWorkflow("pages.yml");
  const steps = stepsOf(pages);
  const build = steps.find((step) => /vitepress build/.test(step.run ?? ""));
  assertMatch(build?.env?.SITE_BASE ?? "", /steps\.pages\.outputs\.base_path/);
  const upload = steps.find((step) =>
    step.uses?.startsWith("actions/upload-pages-artifact@")
  );
  assertEquals(upload?.with?.path, ".vitepress/dist");
});

Deno.test("workflows: a site built with SITE_BASE serves pages and scripts under it", async () => {
  // Inside the repository (test-results/ is ignored by git), where the
  // tests may read.
  const out = `${ROOT}test-results/site_base`;
  await Deno.remove(out, { recursive: true }).catch(() => {});
  try {
    const { code, stdout, stderr } = await runProcess(
      "node",
      ["node_modules/vitepress/bin/vitepress.js", "build", "--outDir", out],
      { cwd: ROOT, env: { SITE_BASE: "/udp-with-deno/" }, timeoutMs: 300_000 },
    );
    assertEquals(code, 0, decode(stdout) + stderr);
    const home = await Deno.readTextFile(`${out}/index.html`);
    assertMatch(home, /src="\/udp-with-deno\/assets\/app\.[\w-]+\.js"/);
    assertStringIncludes(home, 'href="/udp-with-deno/favicon.svg"');
    for (
      const file of ["scripts/echo_server.ts", "scripts/minimal/echo_server.ts"]
    ) {
      assertEquals(
        await Deno.readFile(`${out}/${file}`),
        await Deno.readFile(`${ROOT}${file}`),
        `${file} is not published byte for byte`,
      );
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
