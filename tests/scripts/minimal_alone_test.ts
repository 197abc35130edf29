/**
 * Each minimal file copied alone into an empty folder, with no deno.json,
 * lib/ or import map anywhere, and run there with its own `@run` line, as a
 * reader who copied it would: servers and clients talk to each other.
 */
import {
  decode,
  encode,
  ROOT,
  runProcess,
  type ScriptResult,
  startProcess,
} from "../_helpers.ts";
import { CONVERSATIONS, converse, type Listening } from "./_minimal.ts";

/** Copies one minimal file into a new empty folder and returns the folder. */
async function copyAlone(name: string): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: `minimal_${name}_` });
  await Deno.copyFile(
    `${ROOT}scripts/minimal/${name}.ts`,
    `${folder}/${name}.ts`,
  );
  return folder;
}

/** The `deno run` arguments of a minimal file's `@run` line. */
function runLine(name: string, args: string[]): string[] {
  return ["run", "-N", "--unstable-net", `${name}.ts`, ...args];
}

/** Starts a copied server in its folder; dispose of it to stop it. */
async function startAlone(name: string): Promise<Listening & AsyncDisposable> {
  const folder = await copyAlone(name);
  const server = startProcess(Deno.execPath(), runLine(name, ["0"]), {
    cwd: folder,
  });
  const [, port] = await server.waitFor(
    "stdout",
    / listening on [\d.]+:(\d+)\n/,
  );
  return {
    port: Number(port),
    waitForLine: async (pattern) =>
      (await server.waitFor("stdout", new RegExp(pattern.source, "m")))[0],
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(folder, { recursive: true });
    },
  };
}

/** Runs a copied client in its own folder to its end. */
async function runAlone(
  name: string,
  args: string[],
  stdin?: string,
): Promise<ScriptResult> {
  const folder = await copyAlone(name);
  try {
    const result = await runProcess(Deno.execPath(), runLine(name, args), {
      cwd: folder,
      stdin: stdin === undefined ? undefined : encode(stdin),
      env: { TZ: "UTC" },
    });
    return { ...result, stdout: decode(result.stdout) };
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

for (const talk of CONVERSATIONS) {
  Deno.test(`${talk.client} and ${talk.server}, each copied alone into an empty folder, talk`, async () => {
    await using server = await startAlone(talk.server);
    await converse(
      talk,
      server,
      (port, stdin) => runAlone(talk.client, [String(port)], stdin),
    );
  });
}
