#!/usr/bin/env -S deno run -N --allow-run --allow-read=. --allow-write=docs/data
/**
 * Measures what the reliability page reports, with the same code the
 * hardening tests assert with, and writes the figures to
 * `docs/data/reliability.json`:
 *
 * - hostile datagrams fired at every server;
 * - one datagram forged between two servers, or a server and a socat echo
 *   reflector, and how many datagrams followed;
 * - one datagram forged from an ordinary service that answers anything (a
 *   constant reply, DNS, chargen, echo, upper-casing echo, a late echo) to
 *   each server, in a network namespace, and how many datagrams the server
 *   sent before the exchange ended;
 * - requests forged from broadcast addresses, on loopback and across a veth
 *   link between two network namespaces, and how many were answered;
 * - an echo server whose log nobody reads;
 * - 300,000 requests from distinct forged multicast sources: lines on
 *   stderr, and memory;
 * - floods of 5-byte, 300-byte and 60 KB payloads, with memory before and
 *   after;
 * - the improved client through a seeded lossy relay, and against a size
 *   server that drops from a seed.
 *
 * Forging needs root, python3 (and socat, iproute2): without them those
 * figures are recorded as not measured, with the reason. Everything runs on
 * loopback or in network namespaces made here, bounded in count and time.
 *
 * Run:   deno task reliability
 *
 * @module
 */
import { REFUSAL_REPORT_MS } from "../lib/guards.ts";
import {
  decode,
  encode,
  runProcess,
  runScript,
  sleep,
  startScript,
} from "../tests/_helpers.ts";
import {
  findTool,
  freePort,
  namespacePair,
  type Requirement,
} from "../tests/interop/_tools.ts";
import { hasRawControls, seededRandom } from "../tests/hardening/_hostile.ts";
import { python, root, startWatchedServer } from "../tests/hardening/_forge.ts";
import {
  fireHostile,
  flood,
  persistentExchange,
  residentBytes,
  throughRelay,
} from "../tests/hardening/_measure.ts";
import {
  ANSWERING_SERVERS,
  CLIENT_PORTS,
  datagramsAfterForging,
  endWhileLogBlocked,
  floodWithPayload,
  forgeFromDistinctSources,
  LOOP_WATCH_MS,
  PAYLOAD_FLOOD_ENV,
  PAYLOAD_FLOOD_HEAP_MIB,
  probeFails,
  PROBES,
  repliesToForged,
  replyLength,
  requestsWhileLogStalled,
  serviceLoops,
  startInNamespace,
  startReflector,
  startStalledServer,
  tallyLog,
} from "../tests/hardening/_scenarios.ts";

const HOSTILE = 10_000;

/** Why a figure was not measured on this machine. */
interface NotMeasured {
  notMeasured: string;
}

/** The figure, or why it could not be measured here. */
async function measuredIf<T>(
  needs: Requirement[],
  measure: () => Promise<T>,
): Promise<T | NotMeasured> {
  const missing = needs.filter((need) => !need.met);
  if (missing.length === 0) return await measure();
  const why = missing.map((need) => need === root ? "needs root" : need.reason);
  return { notMeasured: `not measured (${why.join("; ")})` };
}

/** True if the server answers its probe correctly (retrying, about 6 s). */
async function stillAnswers(name: string, server: Deno.NetAddr) {
  return await probeFails(name, server).then((wrong) => !wrong, () => false);
}

/** Says on stderr what is being measured, as it starts. */
function step(what: string): void {
  console.error(`measuring: ${what}`);
}

/** The 1, 5 and 15 minute load averages (Linux), read through `cat`. */
async function loadAverage(): Promise<number[] | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const { stdout } = await runProcess("cat", ["/proc/loadavg"]);
  return decode(stdout).split(" ").slice(0, 3).map(Number);
}

/** Fires hostile datagrams at each answering server and checks its output. */
export async function hostileFigures() {
  const rows = [];
  for (const name of ANSWERING_SERVERS) {
    step(`${HOSTILE} hostile datagrams at ${name}`);
    await using server = await startScript(name, ["--port", "0"]);
    let answered = 0;
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
  }
  return rows;
}

/** How long datagrams are counted after a forged one. */
const COUNT_MS = 600;

/**
 * For each ordered pair of servers (the same kind included), and each
 * server and a socat echo reflector, forges one datagram from one to the
 * other and counts the datagrams between them, the forged one included.
 */
export async function reflectionFigures(socat: Requirement) {
  const pairs = [];
  for (const a of ANSWERING_SERVERS) {
    for (const b of ANSWERING_SERVERS) {
      step(`one datagram forged from ${a} to ${b}`);
      await using serverA = await startScript(a, ["--port", "0"]);
      await using serverB = await startScript(b, ["--port", "0"]);
      const [hello, empty] = [encode("hello"), new Uint8Array()];
      const datagrams = {
        hello: (await datagramsAfterForging(
          serverA.address,
          serverB.address,
          hello,
          COUNT_MS,
        )).packets,
        empty: (await datagramsAfterForging(
          serverA.address,
          serverB.address,
          empty,
          COUNT_MS,
        )).packets,
      };
      const bothStillAnswer = await stillAnswers(a, serverA.address) &&
        await stillAnswers(b, serverB.address);
      pairs.push({ from: a, to: b, datagrams, bothStillAnswer });
    }
  }
  const reflector = await measuredIf([socat], async () => {
    const rows = [];
    for (const name of ANSWERING_SERVERS) {
      step(`one datagram forged between ${name} and socat`);
      await using server = await startScript(name, ["--port", "0"]);
      await using socat = await startReflector();
      const hello = encode("hello");
      rows.push({
        server: name,
        fromReflector: (await datagramsAfterForging(
          socat.address,
          server.address,
          hello,
          COUNT_MS,
        )).packets,
        toReflector: (await datagramsAfterForging(
          server.address,
          socat.address,
          hello,
          COUNT_MS,
        )).packets,
        stillAnswers: await stillAnswers(name, server.address),
      });
    }
    step('one datagram forged between echo_server --prefix "" and socat');
    const plain = ["--port", "0", "--prefix", ""];
    let withReflector, betweenTwo;
    {
      await using server = await startScript("echo_server", plain);
      await using socat = await startReflector();
      withReflector = (await datagramsAfterForging(
        socat.address,
        server.address,
        encode("hello"),
        COUNT_MS,
      )).packets;
    }
    {
      step('one datagram forged between two echo_server --prefix ""');
      await using a = await startScript("echo_server", plain);
      await using b = await startScript("echo_server", plain);
      betweenTwo = (await datagramsAfterForging(
        a.address,
        b.address,
        encode("hello"),
        COUNT_MS,
      )).packets;
    }
    return { rows, plainEcho: { withReflector, betweenTwo } };
  });
  const counts = pairs.flatMap(({ datagrams }) => [
    datagrams.hello,
    datagrams.empty,
  ]);
  if (!("notMeasured" in reflector)) {
    for (const row of reflector.rows) {
      counts.push(row.fromReflector, row.toReflector);
    }
  }
  return { countMs: COUNT_MS, most: Math.max(...counts), pairs, reflector };
}

/**
 * One datagram forged from each kind of service to each server (its default
 * flags, and the echo server with `--prefix A` and `--prefix ""`), in a
 * network namespace: the datagrams each side sent, how long the server went
 * on answering, and how many lines it wrote about it on stderr.
 */
export async function loopFigures() {
  step("one datagram forged from each kind of service to each server");
  const exchanges = await serviceLoops();
  return {
    watchMs: LOOP_WATCH_MS,
    most: Math.max(...exchanges.map((row) => row.datagrams)),
    longestMs: Math.max(...exchanges.map((row) => row.ms ?? 0)),
    exchanges: exchanges.map((row) => ({
      service: row.service,
      server: row.server,
      datagrams: row.datagrams,
      fromService: row.fromService,
      ms: row.ms,
      reportLines: row.refusals.length,
    })),
  };
}

/**
 * A network made in two namespaces, how the servers run on it, and whether
 * the guard covers its broadcast address: any address ending in .255 is
 * refused, and a narrower network's only where the server may list the
 * interfaces. The last one measures that limit.
 */
const SUBNETS = [
  { subnet: "10.77.0", prefixLength: 24, permissions: ["-N"], covered: true },
  {
    subnet: "10.78.0",
    prefixLength: 28,
    permissions: ["-N", "--allow-sys=networkInterfaces"],
    covered: true,
  },
  { subnet: "10.78.0", prefixLength: 28, permissions: ["-N"], covered: false },
];

/**
 * Forges requests from broadcast addresses and counts what each server
 * sends back: on loopback, and across a veth link between two namespaces
 * where the servers listen on 0.0.0.0. Each is checked against the same
 * request from an ordinary address, which must be answered.
 */
export async function broadcastFigures(ip: Requirement) {
  const loopback = [];
  for (const name of ANSWERING_SERVERS) {
    step(`requests forged from broadcast addresses to ${name}`);
    await using server = await startScript(name, ["--port", "0"]);
    const port = freePort();
    const from = (hostname: string) => ({ hostname, port });
    loopback.push({
      server: name,
      fromOrdinary: (await repliesToForged(from("127.0.0.1"), server.address))
        .packets,
      fromBroadcast: {
        "127.255.255.255": (await repliesToForged(
          from("127.255.255.255"),
          server.address,
        )).packets,
        "255.255.255.255": (await repliesToForged(
          from("255.255.255.255"),
          server.address,
        )).packets,
      },
    });
  }
  const namespaces = await measuredIf([ip], async () => {
    const networks = [];
    for (const { subnet, prefixLength, permissions, covered } of SUBNETS) {
      step(
        `requests forged from the broadcast address of a /${prefixLength}, ` +
          `servers run with ${permissions.join(" ")}`,
      );
      await using hosts = await namespacePair("rely", subnet, prefixLength);
      const servers = await startInNamespace(
        hosts,
        ANSWERING_SERVERS,
        permissions,
      );
      const rows = [];
      try {
        const where = { iface: "veth-b", netns: hosts.b };
        for (const { name, port } of servers) {
          const server = { hostname: hosts.addressA, port };
          const from = (hostname: string) => ({ hostname, port: 40_000 });
          rows.push({
            server: name,
            fromOrdinary: (await repliesToForged(
              from(hosts.addressB),
              server,
              where,
            )).packets,
            fromBroadcast: (await repliesToForged(
              from(hosts.broadcast),
              server,
              where,
            )).packets,
          });
        }
      } finally {
        await Promise.all(servers.map(({ server }) => server.stop()));
      }
      networks.push({
        network: `${subnet}.0/${prefixLength}`,
        ordinarySource: hosts.addressB,
        broadcast: hosts.broadcast,
        permissions: permissions.join(" "),
        covered,
        rows,
      });
    }
    return networks;
  });
  const answered = loopback.reduce(
    (sum, row) =>
      sum + row.fromBroadcast["127.255.255.255"] +
      row.fromBroadcast["255.255.255.255"],
    0,
  ) + ("notMeasured" in namespaces ? 0 : namespaces.reduce(
    (sum, { rows, covered }) =>
      covered
        ? sum + rows.reduce((sum, row) => sum + row.fromBroadcast, 0)
        : sum,
    0,
  ));
  // Answered requests from a broadcast address the guard covers: expected 0.
  return { broadcastRequestsAnswered: answered, loopback, namespaces };
}

/** How many requests the stalled-log figure sends. */
const STALLED_REQUESTS = 10_000;

/**
 * An echo server whose stdout nobody reads: how many requests it answers,
 * what its log says once read, and how soon SIGTERM and SIGINT end it.
 */
export async function stalledLogFigures() {
  step(`${STALLED_REQUESTS} requests to echo_server, its log unread`);
  let answered, tally;
  {
    await using server = await startStalledServer();
    answered = await requestsWhileLogStalled(server, STALLED_REQUESTS);
    // Now the log is read: every request answered is logged or counted.
    const done = (text: string) => {
      const { logged, dropped } = tallyLog(text);
      return logged + dropped >= answered;
    };
    const text = await server.readStdoutUntil(done, 10_000)
      .catch(() => server.stdoutSoFar());
    tally = tallyLog(text);
  }
  const endMs: Record<string, number | null> = {};
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    step(`${signal} to echo_server, its log blocked`);
    await using server = await startStalledServer();
    const { ms, code } = await endWhileLogBlocked(server, signal);
    endMs[signal] = code === 0 && ms !== undefined ? ms : null;
  }
  return { requests: STALLED_REQUESTS, answered, ...tally, endMs };
}

/** How many distinct forged sources each server gets. */
const DISTINCT_SOURCES = 300_000;

/** The heap each server gets for them, in MiB, as in the test. */
const HEAP_MIB = 12;

/**
 * Sends each server {@linkcode DISTINCT_SOURCES} requests, each from its
 * own forged multicast address and port, with its heap capped: what it
 * printed, its memory, and whether it still answers.
 */
export async function distinctSourceFigures() {
  const rows = [];
  for (const name of ANSWERING_SERVERS) {
    step(`${DISTINCT_SOURCES} requests from distinct sources to ${name}`);
    await using server = await startWatchedServer(name, {
      denoFlags: [`--v8-flags=--max-old-space-size=${HEAP_MIB}`],
    });
    await persistentExchange(server.address, PROBES[name][0]);
    await sleep(200);
    const stdoutBefore = server.stdoutText().split("\n").length;
    const rssBefore = await residentBytes(server.child.pid);
    const sent = await forgeFromDistinctSources(
      server.address,
      DISTINCT_SOURCES,
    );
    const rssAfter = await residentBytes(server.child.pid);
    // The last refusals are reported within one interval.
    await sleep(REFUSAL_REPORT_MS + 1_000);
    const reports = server.stderr().split("\n")
      .filter((line) => line.startsWith("not answering: "));
    const refused = reports.reduce((sum, line) => {
      const count = /\(([\d,]+) requests refused\)$/.exec(line)?.[1];
      return sum + (count === undefined ? 1 : Number(count.replace(/,/g, "")));
    }, 0);
    rows.push({
      server: name,
      sent,
      refused,
      stderrLines: server.stderr().split("\n").length - 1,
      stdoutLinesAdded: server.stdoutText().split("\n").length - stdoutBefore,
      heapCapMiB: HEAP_MIB,
      rssBefore,
      rssAfter,
      stillAnswers: await stillAnswers(name, server.address),
    });
  }
  return rows;
}

/**
 * A plain echo server (`--prefix ""`), whose guards remember up to 8,192
 * senders, sent {@linkcode DISTINCT_SOURCES} requests from distinct forged
 * loopback sources (127.1.0.1 and up), which it answers, with its heap
 * capped: whether it still answers, and its memory.
 */
export async function plainEchoSourcesFigures() {
  const first = "127.1.0.1";
  step(`${DISTINCT_SOURCES} requests from ${first} and up to a plain echo`);
  await using server = await startWatchedServer("echo_server", {
    denoFlags: [`--v8-flags=--max-old-space-size=${HEAP_MIB}`],
    args: ["--prefix", ""],
  });
  const probe = encode("probe");
  await persistentExchange(server.address, probe);
  await sleep(200);
  const rssBefore = await residentBytes(server.child.pid);
  const sent = await forgeFromDistinctSources(
    server.address,
    DISTINCT_SOURCES,
    {
      first,
    },
  );
  const rssAfter = await residentBytes(server.child.pid);
  const { logged, dropped } = tallyLog(server.stdoutText());
  const reply = await persistentExchange(server.address, probe)
    .catch(() => undefined);
  return {
    firstSource: first,
    sent,
    // Logged or counted as dropped from the log: one line a request answered.
    answered: logged + dropped - 1,
    heapCapMiB: HEAP_MIB,
    rssBefore,
    rssAfter,
    stillAnswers: reply !== undefined && decode(reply) === "probe",
  };
}

/** The payload floods: 300 bytes and 60 KB, a few in flight at a time. */
const PAYLOAD_FLOODS = [
  { size: 300, count: 50_000, window: 16 },
  { size: 60_000, count: 10_000, window: 2 },
];

/** The heap the servers get for the payload floods, in MiB, as in the test. */

/**
 * Floods the echo and size servers: 100,000 5-byte datagrams from 50 ports
 * as fast as they go, then 300-byte and 60 KB payloads a few at a time,
 * each answered before the next; memory before and after each.
 */
export async function floodFigures() {
  const rows = [];
  for (const name of ["echo_server", "size_server"] as const) {
    step(`100,000 5-byte datagrams at ${name}`);
    {
      await using server = await startScript(name, ["--port", "0"]);
      const figures = await flood(server, 100_000, 50);
      const after = decode(
        await persistentExchange(server.address, encode("after")),
      );
      const { code } = await server.stop();
      rows.push({
        server: name,
        payloadBytes: 5,
        ...figures,
        window: null,
        heapCapMiB: null,
        answersAfterwards: after === "OK...after" ||
          after === "Your data was 5 bytes",
        exitCode: code,
      });
    }
    for (const payloadFlood of PAYLOAD_FLOODS) {
      const { size, count, window } = payloadFlood;
      step(`${count} requests of ${size} bytes at ${name}`);
      await using server = await startScript(name, ["--port", "0"], {
        env: PAYLOAD_FLOOD_ENV,
      });
      const figures = await floodWithPayload(
        server,
        payloadFlood,
        replyLength(name, size),
      );
      const { code } = await server.stop();
      rows.push({
        server: name,
        payloadBytes: size,
        sent: count,
        sockets: CLIENT_PORTS,
        ...figures,
        window,
        heapCapMiB: PAYLOAD_FLOOD_HEAP_MIB,
        answersAfterwards: figures.answered === count,
        exitCode: code,
      });
    }
  }
  return rows;
}

/** Seeds per loss rate. */
const SEEDS = 10;

/**
 * Runs the improved client through a lossy relay (30 % of datagrams
 * duplicated, up to 30 ms of delay each way) at several loss rates, one run
 * per seed, and counts the attempts of each run.
 */
export async function lossFigures() {
  await using server = await startScript("size_server", ["--port", "0"]);
  const rows = [];
  for (const drop of [0, 0.3, 0.5, 0.7, 1]) {
    step(
      `improved_client through a relay that drops ${Math.round(drop * 100)} %`,
    );
    const attempts = [];
    const failedSeeds = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { code, stdout } = await throughRelay(server.address, {
        drop,
        duplicate: 0.3,
        delayMs: 30,
        seed,
      }, ["--initial-delay", "0.2", "--max-delay", "3.2"]);
      attempts.push(stdout.match(/^Attempt \d+:/gm)?.length ?? 0);
      if (code !== 0) failedSeeds.push(seed);
    }
    rows.push({
      drop,
      runs: SEEDS,
      successes: SEEDS - failedSeeds.length,
      failedSeeds,
      attempts,
    });
  }
  return rows;
}

/**
 * Four improved clients, one after another, against
 * `size_server --drop 0.5 --seed 3`: the attempts each needed, and which
 * requests the server dropped, in the order it saw them, beside the drops
 * the seed's draws give.
 */
export async function seededDropFigures() {
  const drop = 0.5;
  const seed = 3;
  const runs = 4;
  step(`${runs} improved clients against size_server --seed ${seed}`);
  await using server = await startScript("size_server", [
    "--port",
    "0",
    "--drop",
    String(drop),
    "--seed",
    String(seed),
  ]);
  const attempts = [];
  let successes = 0;
  for (let run = 0; run < runs; run++) {
    const { code, stdout } = await runScript("improved_client", [
      "--port",
      String(server.address.port),
    ]);
    attempts.push(stdout.match(/^Attempt \d+: /gm)?.length ?? 0);
    if (code === 0) successes++;
  }
  const { stdout } = await server.stop();
  // "D" for each request dropped, "a" for each answered, in order.
  const decisions = stdout.trimEnd().split("\n").slice(1)
    .map((line) => line.startsWith("Dropped a request") ? "D" : "a").join("");
  const random = seededRandom(seed);
  const expected = Array.from(
    { length: decisions.length },
    () => random() < drop ? "D" : "a",
  ).join("");
  return { drop, seed, runs, successes, attempts, decisions, expected };
}

if (import.meta.main) {
  const socat = await findTool("socat", "socat");
  const ip = await findTool("ip", "iproute2");
  const forging = [root, python];
  const loadAtStart = await loadAverage();
  const started = performance.now();
  const figures = {
    measuredAt: new Date().toISOString(),
    deno: Deno.version.deno,
    cores: navigator.hardwareConcurrency,
    hostile: await hostileFigures(),
    reflection: await measuredIf(forging, () => reflectionFigures(socat)),
    serviceLoops: await measuredIf([...forging, ip], loopFigures),
    broadcastSources: await measuredIf(forging, () => broadcastFigures(ip)),
    stalledLog: await stalledLogFigures(),
    distinctSources: await measuredIf(forging, distinctSourceFigures),
    plainEchoSources: await measuredIf(forging, plainEchoSourcesFigures),
    floods: await floodFigures(),
    loss: await lossFigures(),
    seededDrop: await seededDropFigures(),
    run: {
      seconds: Math.round((performance.now() - started) / 1000),
      loadAverage: { start: loadAtStart, end: await loadAverage() },
    },
  };
  await Deno.mkdir("docs/data", { recursive: true });
  await Deno.writeTextFile(
    "docs/data/reliability.json",
    JSON.stringify(figures, null, 2) + "\n",
  );
  console.log(JSON.stringify(figures, null, 2));
}
