/**
 * dnsmasq for the tests and tools: found in /usr/sbin as well as on the
 * PATH, and started on 127.0.0.1 on a free port, reading no configuration
 * file (`--conf-file=/dev/null`), no /etc/resolv.conf (`--no-resolv`) and no
 * /etc/hosts (`--no-hosts`). With no upstream server it never forwards a
 * query anywhere; its pid file lives in a temporary folder of its own.
 *
 * @module
 */
import { decode } from "../_helpers.ts";
import {
  freePort,
  type Requirement,
  type RunningTool,
  runTool,
  startTool,
} from "./_tools.ts";

/** dnsmasq is in /usr/sbin, which a user's PATH may lack. */
export async function findDnsmasq(): Promise<Requirement & { path: string }> {
  const { stdout } = await runTool("sh", [
    "-c",
    "command -v dnsmasq || { test -x /usr/sbin/dnsmasq && echo /usr/sbin/dnsmasq; }",
  ], { timeoutMs: 5_000 });
  const path = decode(stdout).trim();
  return path === ""
    ? {
      met: false,
      reason: "dnsmasq not found; install Debian package dnsmasq-base",
      path,
    }
    : { met: true, reason: `dnsmasq found at ${path}`, path };
}

/** dnsmasq, running on 127.0.0.1; dispose of it to stop it. */
export interface Dnsmasq extends AsyncDisposable {
  /** Its UDP port. */
  port: string;
  /** What it logged: one `query[TYPE] NAME from ADDR` line per query. */
  log(): string;
}

/**
 * Starts dnsmasq on 127.0.0.1 on a free port, in the foreground, with its
 * pid file in a temporary folder, answering for `.test` from `records` (its
 * flags, such as `--address=/a.test/192.0.2.1`) and NXDOMAIN for any other
 * name there: records for 300 s, each query logged. A port taken between the check and the
 * start (dnsmasq binds TCP too) means another try, three at most.
 */
export async function startDnsmasq(
  dnsmasq: { path: string },
  records: readonly string[],
): Promise<Dnsmasq> {
  const folder = await Deno.makeTempDir({ prefix: "dns-test-" });
  for (let attempt = 1;; attempt++) {
    const port = String(freePort());
    let tool: RunningTool;
    try {
      tool = await startTool(dnsmasq.path, [
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        `--port=${port}`,
        `--pid-file=${folder}/dnsmasq.pid`,
        `--dhcp-leasefile=${folder}/dnsmasq.leases`,
        "--local=/test/",
        "--local-ttl=300",
        "--log-queries",
        "--log-facility=-",
        ...records,
      ], { ready: { stream: "stderr", pattern: /started, version/ } });
    } catch (error) {
      if (attempt < 3 && String(error).includes("Address already in use")) {
        continue;
      }
      await Deno.remove(folder, { recursive: true });
      throw error;
    }
    return {
      port,
      log: () => tool.stderr(),
      async [Symbol.asyncDispose]() {
        await tool.stop();
        await Deno.remove(folder, { recursive: true });
      },
    };
  }
}
