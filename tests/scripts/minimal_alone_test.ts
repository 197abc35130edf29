/**
 * Each minimal file copied alone into an empty folder, with no deno.json,
 * lib/ or import map anywhere, and run there with its own `@run` line, as a
 * reader who copied it would: servers and clients talk to each other.
 */
import { assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decode, encode, ROOT, runProcess, startProcess } from "../_helpers.ts";

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

/** Starts a copied server in its folder and returns its port. */
async function startAlone(name: string) {
  const folder = await copyAlone(name);
  const server = startProcess(Deno.execPath(), runLine(name, ["0"]), {
    cwd: folder,
  });
  const [, port] = await server.waitFor(
    "stdout",
    / listening on [\d.]+:(\d+)\n/,
  );
  return {
    port,
    waitFor: server.waitFor,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(folder, { recursive: true });
    },
  };
}

/** Runs a copied client in its own folder to its end. */
async function runAlone(name: string, args: string[], stdin?: string) {
  const folder = await copyAlone(name);
  try {
    const result = await runProcess(Deno.execPath(), runLine(name, args), {
      cwd: folder,
      stdin: stdin === undefined ? undefined : encode(stdin),
      env: { TZ: "UTC" },
    });
    assertEquals(result.code, 0, `${name}: ${result.stderr}`);
    assertEquals(result.stderr, "");
    return decode(result.stdout);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("echo_server and echo_client, each copied alone, talk", async () => {
  await using server = await startAlone("echo_server");
  assertEquals(
    await runAlone("echo_client", [server.port], "hello\n"),
    "Server reply : OK...hello\n",
  );
});

Deno.test("hello_server and hello_client, each copied alone, talk", async () => {
  await using server = await startAlone("hello_server");
  assertEquals(
    await runAlone("hello_client", [server.port]),
    "Hello, Michael!\nHello, Tracy!\nHello, Sarah!\n",
  );
});

Deno.test("time_server and time_client, each copied alone, talk", async () => {
  await using server = await startAlone("time_server");
  assertMatch(
    await runAlone("time_client", [server.port]),
    /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\n$/,
  );
});

Deno.test("size_server, size_client and improved_client, each copied alone, talk", async () => {
  await using server = await startAlone("size_server");
  assertEquals(
    await runAlone("size_client", [server.port]),
    "Sent to server: hello world!\nThe Server reply: Your data was 12 bytes\n",
  );
  assertEquals(
    await runAlone("improved_client", [server.port]),
    "Attempt 1: sent, waiting 0.1 s for a reply\n" +
      "The Server reply: Your data was 12 bytes\n",
  );
});

Deno.test("broadcast_listener hears broadcast_sender, each copied alone", async () => {
  await using listener = await startAlone("broadcast_listener");
  assertEquals(
    await runAlone("broadcast_sender", [listener.port]),
    `Sent "Broadcast message" to 127.255.255.255:${listener.port}\n`,
  );
  await listener.waitFor(
    "stdout",
    /^The client at 127\.0\.0\.1:\d+ says: Broadcast message$/m,
  );
});
