/**
 * The terminal sessions on the site are what the scripts print today:
 * reruns every session of `tools/transcripts.ts` and compares it with the
 * committed `docs/transcripts/*.txt`.
 *
 * @module
 */
import { assertEquals } from "jsr:@std/assert@^1";
import { renderTranscripts, TRANSCRIPTS_DIR } from "../../tools/transcripts.ts";

Deno.test("committed transcripts match what the scripts print now", async (t) => {
  const fresh = await renderTranscripts();
  const committed: string[] = [];
  for await (const entry of Deno.readDir(TRANSCRIPTS_DIR)) {
    if (entry.name.endsWith(".txt")) committed.push(entry.name);
  }
  assertEquals(
    committed.sort(),
    [...fresh.keys()].sort(),
    "docs/transcripts/ has other files than the sessions; run deno task transcripts",
  );
  for (const [file, text] of fresh) {
    await t.step(file, async () => {
      const saved = await Deno.readTextFile(`${TRANSCRIPTS_DIR}${file}`);
      assertEquals(
        saved,
        text,
        `docs/transcripts/${file} is stale; run deno task transcripts`,
      );
    });
  }
});
