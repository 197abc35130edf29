/**
 * Every full script run without the `net` unstable flag, where Deno has no
 * `Deno.listenDatagram`: one line that names the flag, and exit code 1, as a
 * missing `-N` gets.
 */
import { assertEquals } from "jsr:@std/assert@^1";
import { decode, ROOT, runProcess, startProcess } from "../_helpers.ts";

// Every script in scripts/, including those added later.
const names = [...Deno.readDirSync(`${ROOT}scripts`)]
  .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
  .map((entry) => entry.name.slice(0, -3))
  .sort();

// deno.json turns the flag on, so the scripts run without it: its import map
// alone, and the node_modules already installed.
const RUN_WITHOUT_CONFIG = [
  "run",
  "--no-config",
  "--import-map",
  "deno.json",
  "--node-modules-dir=manual",
  "-N",
];

for (const name of names) {
  Deno.test(`${name} without --unstable-net names the flag in one line and exits 1`, async () => {
    const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
      ...RUN_WITHOUT_CONFIG,
      `scripts/${name}.ts`,
    ]);
    assertEquals(decode(stdout), "");
    assertEquals(
      stderr,
      `${name}: Deno's UDP API needs the --unstable-net flag: ` +
        `deno run -N --unstable-net scripts/${name}.ts\n`,
    );
    assertEquals(code, 1);
  });
}

Deno.test("with --unstable-net and the same import map, a script runs", async () => {
  await using server = startProcess(Deno.execPath(), [
    ...RUN_WITHOUT_CONFIG,
    "--unstable-net",
    "scripts/echo_server.ts",
    "--port",
    "0",
  ]);
  await server.waitFor(
    "stdout",
    /^echo server listening on 127\.0\.0\.1:\d+$/m,
  );
});
