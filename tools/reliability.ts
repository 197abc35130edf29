#!/usr/bin/env -S deno run -N --allow-run --allow-read=. --allow-write=docs/data
/**
 * Measures what the reliability page reports, with the same code the
 * hardening tests assert with: hostile datagrams fired at every server, a
 * flood with resident memory before and after, and the improved client
 * through a lossy relay. Writes the figures to `docs/data/reliability.json`.
 *
 * Run:   deno task reliability
 *
 * @module
 */
import { decode, encode, startScript } from "../tests/_helpers.ts";
import { hasRawControls } from "../tests/hardening/_hostile.ts";
import {
  fireHostile,
  flood,
  persistentExchange,
  throughRelay,
} from "../tests/hardening/_measure.ts";

const HOSTILE = 10_000;
const SERVERS = ["echo_server", "hello_server", "time_server", "size_server"];

/** Fires hostile datagrams at each answering server and checks its output. */
async function hostileFigures() {
  const rows = [];
  for (const name of SERVERS) {
    const server = await startScript(name, ["--port", "0"]);
    let answered = 0;
    try {
      const figures = await fireHostile(server, HOSTILE, 868, async () => {
        await persistentExchange(server.address, encode("probe"));
        answered++;
      });
      const { code, stdout, stderr } = await server.stop();
      rows.push({
        server: name,
        datagrams: figures.sent,
        probesAnswered: answered,
        crashes: code === 0 ? 0 : 1,
        rawControlBytesPrinted: hasRawControls(stdout + stderr),
      });
    } finally {
      await server.stop();
    }
  }
  return rows;
}

/** Floods the echo server and reads its memory before and after. */
async function floodFigures() {
  const server = await startScript("echo_server", ["--port", "0"]);
  try {
    const figures = await flood(server, 100_000, 50);
    const after = decode(
      await persistentExchange(server.address, encode("after")),
    );
    const { code } = await server.stop();
    return {
      ...figures,
      answersAfterwards: after === "OK...after",
      exitCode: code,
    };
  } finally {
    await server.stop();
  }
}

/** Runs the improved client through a relay at several loss rates. */
async function lossFigures() {
  const server = await startScript("size_server", ["--port", "0"]);
  const rows = [];
  try {
    for (const drop of [0, 0.3, 0.5, 0.7, 1]) {
      let successes = 0;
      const runs = 10;
      for (let seed = 1; seed <= runs; seed++) {
        const { code } = await throughRelay(server.address, {
          drop,
          duplicate: 0.1,
          delayMs: 20,
          seed,
        });
        if (code === 0) successes++;
      }
      rows.push({ drop, runs, successes });
    }
  } finally {
    await server.stop();
  }
  return rows;
}

if (import.meta.main) {
  const figures = {
    measuredAt: new Date().toISOString(),
    deno: Deno.version.deno,
    hostile: await hostileFigures(),
    flood: await floodFigures(),
    loss: await lossFigures(),
  };
  await Deno.mkdir("docs/data", { recursive: true });
  await Deno.writeTextFile(
    "docs/data/reliability.json",
    JSON.stringify(figures, null, 2) + "\n",
  );
  console.log(JSON.stringify(figures, null, 2));
}
