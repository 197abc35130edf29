/**
 * What the DNS client's tests share: running the minimal client as a reader
 * runs a copy, with no deno.json.
 *
 * @module
 */
import { decode, runProcess } from "../_helpers.ts";

/** What a run of the minimal DNS client printed, and how it ended. */
export interface MinimalResult {
  /** The exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * Runs `scripts/minimal/dns_client.ts` to its end, asking `server` on `port`
 * for the A records of `name`.
 */
export async function runMinimalDnsClient(
  server: string,
  port: string,
  name: string,
): Promise<MinimalResult> {
  const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
    "run",
    "--no-config",
    "-N",
    "--unstable-net",
    "scripts/minimal/dns_client.ts",
    server,
    port,
    name,
  ]);
  return { code, stdout: decode(stdout), stderr };
}
