/**
 * Every command the site shows works as written, in every tab.
 *
 * The pages show commands in shell code blocks. Where a command needs Deno, a
 * VitePress code group shows it twice: a "Deno installed" tab (bare `deno`)
 * and a "through npm" tab (`npx deno`, the project's pinned copy), titled
 * "已安装 Deno" and "通过 npm" on the Chinese pages. This test
 * reads every `sh`, `bash`, `shell` and `console` block of every page under
 * `docs/` and runs each command the way a reader would type it, through `sh`:
 *
 * - In a "Deno installed" tab, and in a block outside any group, `deno` is the
 *   Deno running this test, first on the PATH. In a "through npm" tab a bare
 *   `deno` fails as it does on a machine without Deno, and `npx deno` finds
 *   `node_modules/.bin/deno`, offline.
 * - Servers and listeners start in the background, each in a process group of
 *   its own, and stop with Ctrl-C (SIGINT to the group). Clients run against
 *   them, with the line a reader would type on stdin where they read one.
 * - Every port a block names, and a script's default port where it names
 *   none, becomes a free port, the same one throughout the block: a client
 *   talks to the server of its block or, in a block of clients only (the
 *   "standard tools" blocks), to the page's first server for that port,
 *   started for the block.
 * - A server shown after another on the same port ("plain echo instead")
 *   replaces it, and the block's clients run again against it.
 * - A block that changes files (`chmod +x`) runs in a copy of the scripts in a
 *   temporary folder, with `node_modules/` linked.
 *
 * Each command must do what its page says: exit 0, or the code the page
 * documents, and print the reply its comment or its page names. Commands that
 * cannot run here are listed in {@linkcode NOT_RUNNABLE} with the reason, and
 * show as ignored steps. A command no rule knows fails the test: a new command
 * on a page needs a rule in {@linkcode RULES}.
 *
 * Recorded terminal sessions (`<<< @/transcripts/...`) are not commands to
 * type; `transcripts_test.ts` checks them. Traffic stays on loopback: servers
 * bind 127.0.0.1 (the broadcast listeners 0.0.0.0, to hear 127.255.255.255),
 * and every process ends within a bound, killed in `finally` if need be.
 *
 * A block shown again with the same commands (on a translated page) runs
 * once, its step naming every place. Blocks run three at a time, each on ports
 * of its own, and report one step each.
 *
 * The "standard tools" blocks need OpenBSD `nc`, `socat`, `rdate`, and `ss`
 * and `ip` (iproute2); without one, a block that uses it is ignored with the
 * reason, and under `CI=true` it fails instead.
 *
 * @module
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { stripAnsiCode } from "jsr:@std/fmt@^1/colors";
import { ROOT, within } from "../_helpers.ts";
import { CI, findTool, type Requirement } from "../interop/_tools.ts";
import { inEnglish, listPages, TABS, withoutComment } from "./_site.ts";

/** The fence languages whose blocks hold commands to type. */
const SHELL_FENCE = /^(sh|bash|shell|console)(-vue)?$/;

/** The tab of a code group that shows a command for a Deno on the PATH. */
const DENO_TAB = TABS.deno.en;

/** The tab that shows the same command through npm, with no Deno installed. */
const NPM_TAB = TABS.npm.en;

/** A tab's title in English, whichever edition's page shows it. */
function tabName(title: string | undefined): string | undefined {
  return title === undefined ? undefined : inEnglish(title);
}

/** The default port of the site's dev server (Vite's). */
const SITE_PORT = 5173;

/** One command on a page, as shown. */
interface ShownCommand {
  /** Its line in the Markdown file, from 1. */
  line: number;
  /** The command as shown, its trailing comment included. */
  text: string;
}

/** A shell code block: one tab of a code group, or a block alone. */
interface Block {
  /** The page, relative to `docs/`. */
  file: string;
  /** The line of its opening fence, from 1. */
  line: number;
  /** Its tab title in English, when it is a tab of a `::: code-group`. */
  tab?: string;
  /** The line of the `::: code-group` it belongs to. */
  group?: number;
  /** The commands it shows, in order. */
  commands: ShownCommand[];
}

/**
 * The shell blocks of a page, with their commands: in `console` blocks the
 * lines after a `$ ` prompt, elsewhere every line that is not blank or a
 * comment (a line ending in `\` continues on the next).
 */
function shellBlocks(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  let group: number | undefined;
  let fence: { marker: string; block?: Block; console: boolean } | undefined;
  let continued: ShownCommand | undefined;
  for (const [index, line] of markdown.split("\n").entries()) {
    const trimmed = line.trim();
    if (fence) {
      if (trimmed.startsWith(fence.marker) && /^[`~]+$/.test(trimmed)) {
        fence = undefined;
        continued = undefined;
        continue;
      }
      if (fence.block === undefined) continue;
      let text = trimmed;
      if (continued) {
        // It goes on the line before, which is joined to it below.
      } else if (fence.console) {
        if (!text.startsWith("$ ")) continue;
        text = text.slice(2);
      } else if (text === "" || text.startsWith("#")) {
        continue;
      }
      if (!continued) {
        continued = { line: index + 1, text };
        fence.block.commands.push(continued);
      } else {
        // A line ending in a backslash goes on in the next one.
        continued.text = `${continued.text.slice(0, -1).trimEnd()} ${text}`;
      }
      if (!continued.text.endsWith("\\")) continued = undefined;
      continue;
    }
    const open = /^(`{3,}|~{3,})\s*([\w-]*)\s*(?:\[([^\]]*)\])?/.exec(trimmed);
    if (open) {
      const [, marker, lang, tab] = open;
      const shell = SHELL_FENCE.test(lang);
      const block = shell
        ? { file, line: index + 1, tab: tabName(tab), group, commands: [] }
        : undefined;
      if (block) blocks.push(block);
      fence = { marker, block, console: lang.startsWith("console") };
    } else if (/^:::\s*code-group\b/.test(trimmed)) {
      group = index + 1;
    } else if (trimmed === ":::") {
      group = undefined;
    }
  }
  return blocks;
}

/** A command the pages show that this machine cannot run, and why. */
interface NotRunnable {
  /** Matches the command, its comment removed. */
  match: RegExp;
  /** Why it is not run. */
  reason: string;
}

/** Every command on the pages that the test does not run, with the reason. */
const NOT_RUNNABLE: NotRunnable[] = [
  {
    match: /^git clone /,
    reason: "clones from GitHub: the tests never use the internet",
  },
  {
    match: /^cd \{\{/,
    reason: "enters the folder that the git clone above would make",
  },
  {
    match: /^npm install$/,
    reason:
      "asks the npm registry, and would rewrite the node_modules/ the running tests use",
  },
  {
    match: /^(npm test|deno task check)$/,
    reason: "the whole suite, which runs this test: it would run itself",
  },
  {
    match: /^ifconfig$/,
    reason:
      "the macOS and BSD way to list addresses; the Linux line above it runs",
  },
  {
    match: /scripts\/broadcast_sender\.ts --to 192\.168\.1\.255$/,
    reason: "broadcasts to a real network; the tests send only to loopback",
  },
  {
    match:
      /^(npx )?deno run -N scripts\/multicast_(listener|sender)\.ts --interface 192\.168\.1\.23( --ttl 1)?$/,
    reason:
      "joins or sends on a real network; tests/interop/multicast_test.ts does the same on a veth link in a network namespace",
  },
  {
    match:
      /^(npx )?deno run -N scripts\/multicast_(listener|sender)\.ts --group ff01::1:2 --interface 2$/,
    reason:
      "needs a multicast interface other than lo, whose index differs from machine to machine; tests/interop/multicast_test.ts runs it on a veth link in a network namespace",
  },
  {
    match:
      /^(npx )?deno run -N --allow-read=\/etc\/resolv\.conf scripts\/dns_client\.ts example\.com$/,
    reason:
      "asks the system's resolver, which may send the question off this machine; the tests ask only loopback",
  },
  {
    match: /^deno task bench(?! --help$)/,
    reason:
      "the benchmark: minutes of full load on every core (tests/bench/ checks its parts)",
  },
  {
    match: /^strace -f -c .*bench\/servers\/.* &$/,
    reason:
      "one step of the benchmark's strace study, run by hand with the load of the line below",
  },
  {
    match: /^cc -O2 -o load bench\/load\.c$/,
    reason: "builds ./load in the work tree for the strace study",
  },
  {
    match: /^\.\/load throughput /,
    reason: "floods the traced server of the strace line above",
  },
];

/** An outside tool some commands need. */
type Tool = "nc" | "socat" | "rdate" | "ss" | "ip" | "dnsmasq";

/** How to run one shape of command, and what it must show. */
interface Rule {
  /** Matches the command, its comment removed and its ports not yet rewritten. */
  match: RegExp;
  /**
   * A server runs in the background until Ctrl-C; a client runs to its end
   * (or, with `untilCtrlC`, until it has printed what it must); a setup
   * command (`chmod`) runs to its end before the block's servers start.
   */
  role: "server" | "client" | "setup";
  /**
   * How a server shows it is ready: its "listening on ADDRESS:PORT" line (the
   * default), its UDP port bound (for tools that print nothing), or the dev
   * server's URL, which must then serve a page.
   */
  ready?: "line" | "bound" | "site";
  /** A server that stops with exit code 0 on Ctrl-C, as the pages say. */
  exitsZero?: boolean;
  /**
   * For a server that replaces another on its port: why the block's clients
   * are not run again against it (by default they are).
   */
  noRerun?: string;
  /** For the shebang form: check that it fails, exit 127, with no deno on the PATH. */
  shebang?: boolean;
  /** What a reader types on stdin; then end of input (Ctrl-D). */
  stdin?: string;
  /** A client that runs until Ctrl-C: stopped once stdout matches `prints`. */
  untilCtrlC?: boolean;
  /** What a client's stdout must show. */
  prints?: RegExp;
  /** What the server the client sends to must print (for listeners). */
  heard?: RegExp;
  /** Outside tools it needs. */
  needs?: Tool[];
  /**
   * A minimal file run by its bare name (`echo_server.ts`), as a reader runs
   * a copy: it runs in a folder that holds the minimal files alone (see
   * {@linkcode minimalCopy}), and takes its port as its first argument.
   */
  minimal?: boolean;
}

/** A date as the time clients (and rdate) print it: `Wed Dec  2 13:27:08`. */
const CTIME = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d /m;

/** How to run each command on the pages, first match wins. */
const RULES: Rule[] = [
  // The scripts' servers, and the same servers run by their shebang line.
  {
    match: /^(npx )?deno run -N scripts\/size_server\.ts --drop [\d.]+$/,
    role: "server",
    exitsZero: true,
    noRerun:
      "it drops at random without --seed: no client is sure of an answer, so only its start and its Ctrl-C are checked",
  },
  {
    match:
      /^(npx )?deno run (-N|--allow-net=127\.0\.0\.1) scripts\/(echo|hello|time|size)_server\.ts( --[\w-]+( "[^"]*"| [\w.]+)?)*$/,
    role: "server",
    exitsZero: true,
  },
  {
    match: /^(npx )?deno run -N scripts\/broadcast_listener\.ts$/,
    role: "server",
    exitsZero: true,
  },
  {
    match: /^(npx )?deno run -N scripts\/multicast_listener\.ts$/,
    role: "server",
    exitsZero: true,
  },
  {
    match:
      /^socat -u UDP4-RECV:\d+,ip-add-membership=239\.255\.0\.1:127\.0\.0\.1,reuseaddr -$/,
    role: "server",
    ready: "bound",
    needs: ["socat", "ss"],
  },
  {
    match:
      /^(PATH="\$PWD\/node_modules\/\.bin:\$PATH" )?\.\/scripts\/echo_server\.ts --port 0$/,
    role: "server",
    exitsZero: true,
    shebang: true,
  },
  {
    match: /^socat UDP-LISTEN:\d+,fork EXEC:cat$/,
    role: "server",
    ready: "bound",
    needs: ["socat", "ss"],
  },
  {
    match:
      /^dnsmasq --no-daemon --conf-file=\/dev\/null --no-resolv --no-hosts --listen-address=127\.0\.0\.1 --bind-interfaces --port=\d+ /,
    role: "server",
    ready: "bound",
    needs: ["dnsmasq", "ss"],
  },
  {
    match: /^socat -u UDP-RECV:\d+ -$/,
    role: "server",
    ready: "bound",
    needs: ["socat", "ss"],
  },
  { match: /^(npm start|deno task site:dev)$/, role: "server", ready: "site" },
  // The minimal files, copied alone into a folder of their own.
  {
    match:
      /^(npx )?deno run -N --unstable-net ((echo|hello|time|size)_server|broadcast_listener)\.ts( \d+)?$/,
    role: "server",
    minimal: true,
  },
  {
    match: /^(npx )?deno run -N --unstable-net multicast_listener\.ts( \d+)?$/,
    role: "server",
    minimal: true,
    exitsZero: true,
  },
  {
    match: /^(npx )?deno run -N --unstable-net echo_client\.ts( \d+)?$/,
    role: "client",
    minimal: true,
    stdin: "hello\n",
    prints: /^Server reply : OK\.\.\.hello$/m,
  },
  {
    match: /^(npx )?deno run -N --unstable-net hello_client\.ts( \d+)?$/,
    role: "client",
    minimal: true,
    prints: /^Hello, Michael!\nHello, Tracy!\nHello, Sarah!$/m,
  },
  {
    match: /^(npx )?deno run -N --unstable-net hello_client\.ts \d+ Ada Grace$/,
    role: "client",
    minimal: true,
    prints: /^Hello, Ada!\nHello, Grace!$/m,
  },
  {
    match: /^(npx )?deno run -N --unstable-net time_client\.ts( \d+)?$/,
    role: "client",
    minimal: true,
    prints: CTIME,
  },
  {
    match:
      /^(npx )?deno run -N --unstable-net (size|improved)_client\.ts( \d+)?$/,
    role: "client",
    minimal: true,
    prints: /^The Server reply: Your data was 12 bytes$/m,
  },
  {
    match:
      /^(npx )?deno run -N --unstable-net dns_client\.ts 127\.0\.0\.1 \d+ example\.test$/,
    role: "client",
    minimal: true,
    prints: /^192\.0\.2\.1\nRCODE 0$/m,
    needs: ["dnsmasq"],
  },
  {
    match: /^(npx )?deno run -N --unstable-net broadcast_sender\.ts( \d+)?$/,
    role: "client",
    minimal: true,
    heard: /says: Broadcast message$/m,
  },
  {
    match: /^(npx )?deno run -N --unstable-net multicast_sender\.ts( \d+)?$/,
    role: "client",
    minimal: true,
    heard: /says: Multicast message$/m,
  },
  // The scripts' clients.
  {
    match:
      /^(npx )?deno run (-N|--allow-net=127\.0\.0\.1) scripts\/echo_client\.ts$/,
    role: "client",
    stdin: "hello\n",
    prints: /^Server reply : OK\.\.\.hello$/m,
  },
  {
    // The client of a plain echo server (socat, or echo_server --prefix "").
    match: /^(npx )?deno run -N scripts\/echo_client\.ts --prefix ""$/,
    role: "client",
    stdin: "hello\n",
    prints: /^Server reply : hello$/m,
  },
  {
    match: /^(npx )?deno run -N scripts\/hello_client\.ts$/,
    role: "client",
    prints: /^Hello, Michael!\nHello, Tracy!\nHello, Sarah!$/m,
  },
  {
    match: /^(npx )?deno run -N scripts\/hello_client\.ts Ada Grace$/,
    role: "client",
    prints: /^Hello, Ada!\nHello, Grace!$/m,
  },
  {
    match: /^(npx )?deno run -N scripts\/time_client\.ts$/,
    role: "client",
    prints: CTIME,
  },
  {
    match: /^(npx )?deno run -N scripts\/time_client\.ts --iso$/,
    role: "client",
    prints: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/m,
  },
  {
    match: /^(npx )?deno run -N scripts\/(size|improved)_client\.ts$/,
    role: "client",
    prints: /^The Server reply: Your data was 12 bytes$/m,
  },
  {
    match: /^(npx )?deno run -N scripts\/broadcast_sender\.ts --count 3$/,
    role: "client",
    heard: /(says: Broadcast message\n[^]*?){3}/,
  },
  {
    match: /^(npx )?deno run -N scripts\/multicast_sender\.ts --count 3$/,
    role: "client",
    heard: /(says: Multicast message\n[^]*?){3}/,
  },
  {
    match: /^(npx )?deno run -N scripts\/multicast_sender\.ts$/,
    role: "client",
    heard: /Multicast message/,
  },
  {
    match:
      /^(npx )?deno run -N scripts\/dns_client\.ts example\.test --server 127\.0\.0\.1 --port \d+$/,
    role: "client",
    prints: /^example\.test\. 300 IN A 192\.0\.2\.1$/m,
    needs: ["dnsmasq"],
  },
  {
    match:
      /^(npx )?deno run -N scripts\/dns_client\.ts example\.test --type MX --server 127\.0\.0\.1 --port \d+$/,
    role: "client",
    prints: /^example\.test\. 300 IN MX 10 mail\.example\.test\.$/m,
    needs: ["dnsmasq"],
  },
  {
    match:
      /^(npx )?deno run -N scripts\/dns_client\.ts nope\.test --server 127\.0\.0\.1 --port \d+$/,
    role: "client",
    prints: /^;; status: NXDOMAIN /m,
    needs: ["dnsmasq"],
  },
  // Standard tools as clients.
  {
    match: /^nc -u 127\.0\.0\.1 \d+$/,
    role: "client",
    untilCtrlC: true,
    stdin: "hello\n",
    prints: /OK\.\.\.hello/,
    needs: ["nc"],
  },
  {
    match: /^printf 'hello\\n' \| nc -u -w1 127\.0\.0\.1 \d+$/,
    role: "client",
    prints: /^OK\.\.\.hello$/m,
    needs: ["nc"],
  },
  {
    match: /^printf 'via socat' \| socat - UDP:127\.0\.0\.1:\d+$/,
    role: "client",
    prints: /OK\.\.\.via socat/,
    needs: ["socat"],
  },
  {
    match: /^printf Ada \| nc -u -w1 127\.0\.0\.1 \d+$/,
    role: "client",
    prints: /^Hello, Ada!/m,
    needs: ["nc"],
  },
  {
    match: /^printf Grace \| socat - UDP:127\.0\.0\.1:\d+$/,
    role: "client",
    prints: /^Hello, Grace!/m,
    needs: ["socat"],
  },
  {
    match: /^printf 'hello world!' \| nc -u -w1 127\.0\.0\.1 \d+$/,
    role: "client",
    prints: /^Your data was 12 bytes/m,
    needs: ["nc"],
  },
  {
    match: /^printf 'hello world!' \| socat - UDP:127\.0\.0\.1:\d+$/,
    role: "client",
    prints: /^Your data was 12 bytes/m,
    needs: ["socat"],
  },
  {
    match: /^rdate -p -u -o \d+ 127\.0\.0\.1$/,
    role: "client",
    prints: CTIME,
    needs: ["rdate"],
  },
  {
    match: /^printf x \| nc -u -w1 127\.0\.0\.1 \d+ \| od -An -tx1$/,
    role: "client",
    prints: /^( [0-9a-f]{2}){4}$/m,
    needs: ["nc"],
  },
  {
    match: /^printf 'from nc' \| nc -u -b -w1 127\.255\.255\.255 \d+$/,
    role: "client",
    heard: /from nc/,
    needs: ["nc"],
  },
  {
    match:
      /^printf 'from socat' \| socat - UDP-DATAGRAM:127\.255\.255\.255:\d+,broadcast$/,
    role: "client",
    heard: /from socat/,
    needs: ["socat"],
  },
  {
    match:
      /^printf 'from socat\\n' \| socat -u - UDP4-DATAGRAM:239\.255\.0\.1:\d+,ip-multicast-if=127\.0\.0\.1,ip-multicast-ttl=0$/,
    role: "client",
    heard: /from socat/,
    needs: ["socat"],
  },
  // Everything else.
  {
    match: /^ip -4 addr show$/,
    role: "client",
    prints: /inet 127\.0\.0\.1\//,
    needs: ["ip"],
  },
  { match: /^chmod \+x scripts\/\w+\.ts$/, role: "setup" },
  {
    match: /^deno task bench --help$/,
    role: "client",
    prints: /^Usage: deno task bench /m,
  },
];

/** How each outside tool is found, and the Debian package that has it. */
const TOOLS: Record<Tool, () => Promise<Requirement>> = {
  nc: () =>
    findTool("nc", "netcat-openbsd", {
      args: ["-h"],
      includes: "OpenBSD netcat",
    }),
  socat: () => findTool("socat", "socat"),
  rdate: () => findTool("rdate", "rdate"),
  ss: () => findTool("ss", "iproute2"),
  dnsmasq: () => findTool("dnsmasq", "dnsmasq-base"),
  ip: () => findTool("ip", "iproute2"),
};

/** A command of a block, with the rule that runs it. */
interface Planned {
  /** The command as shown. */
  shown: ShownCommand;
  /** The command without its comment, as the rules see it. */
  command: string;
  /** How to run it. */
  rule: Rule;
  /** The ports it names or defaults to, as shown (none for `--port 0`). */
  ports: number[];
}

/** A command of a block, planned, or set aside with a reason. */
type Plan =
  | { kind: "run"; planned: Planned }
  | { kind: "skip"; shown: ShownCommand; reason: string }
  | { kind: "unknown"; shown: ShownCommand };

const defaultPorts = new Map<string, Promise<number>>();

/** A script's default `--port`, as its `--help` says. */
function defaultPort(script: string): Promise<number> {
  let port = defaultPorts.get(script);
  if (port === undefined) {
    port = (async () => {
      const { stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-N", `scripts/${script}.ts`, "--help"],
        cwd: ROOT,
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "null",
      }).output();
      const help = new TextDecoder().decode(stdout);
      const [, found] = /--port N .*\(default: (\d+)\)/.exec(help) ?? [];
      assert(found, `scripts/${script}.ts --help names no default --port`);
      return Number(found);
    })();
    defaultPorts.set(script, port);
  }
  return port;
}

/** Every port a command names or, for a script, defaults to. */
async function portsOf(command: string, known: Set<number>): Promise<number[]> {
  const dns = MINIMAL_DNS.exec(command);
  if (dns) return [Number(dns[2])];
  const minimal = MINIMAL_FILE.exec(command);
  if (minimal) {
    const [, name, explicit] = minimal;
    if (explicit !== undefined) {
      return explicit === "0" ? [] : [Number(explicit)];
    }
    // A minimal file defaults to its full script's port: the original's.
    return [await defaultPort(name)];
  }
  const script = /scripts\/(\w+)\.ts\b/.exec(command)?.[1];
  if (script && command.includes("deno run")) {
    const explicit = /--port (\d+)/.exec(command)?.[1];
    if (explicit !== undefined) {
      return explicit === "0" ? [] : [Number(explicit)];
    }
    return [await defaultPort(script)];
  }
  if (/\.\/scripts\//.test(command)) {
    const explicit = /--port (\d+)/.exec(command)?.[1];
    return explicit === undefined || explicit === "0" ? [] : [Number(explicit)];
  }
  if (/^(npm start|deno task site:dev)$/.test(command)) return [SITE_PORT];
  return [...command.matchAll(/(?<![\w.-])(\d{4,5})(?![\w.])/g)]
    .map(([, port]) => Number(port))
    .filter((port) => known.has(port));
}

/** A minimal file run by its bare name, and the port it is given, if any. */
const MINIMAL_FILE =
  /^(?:npx )?deno run -N --unstable-net (\w+)\.ts(?: (\d+)(?!\S))?/;

/**
 * The minimal DNS client, whose port is its second argument, after the
 * server's address (as in `dig @server -p port`): the command up to the
 * address, and the port.
 */
const MINIMAL_DNS =
  /^((?:npx )?deno run -N --unstable-net dns_client\.ts \S+) (\d+)(?!\S)/;

/** The port the DNS page runs dnsmasq on. */
const DNSMASQ_PORT = 5300;

/** Plans one command: its rule and ports, or why it is not run. */
async function plan(shown: ShownCommand, known: Set<number>): Promise<Plan> {
  const command = withoutComment(shown.text);
  const skip = NOT_RUNNABLE.find((entry) => entry.match.test(command));
  if (skip) return { kind: "skip", shown, reason: skip.reason };
  const rule = RULES.find((entry) => entry.match.test(command));
  if (rule === undefined) return { kind: "unknown", shown };
  return {
    kind: "run",
    planned: { shown, command, rule, ports: await portsOf(command, known) },
  };
}

/** The free ports given out so far, never given twice. */
const givenPorts = new Set<number>();

/**
 * Where free ports are looked for: below the range the system hands out for
 * `--port 0` and for clients' source ports (32768 and up on Linux, 49152 and
 * up elsewhere), so that no other program's client or server is on the port,
 * and no late retry meant for one reaches a server of ours.
 */
const PORT_RANGE = { from: 20_000, to: 32_768 };

/** A port free for UDP and TCP on 127.0.0.1 a moment ago, given once. */
function freePort(): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.from +
      Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (givenPorts.has(port)) continue;
    try {
      const udp = Deno.listenDatagram({
        transport: "udp",
        hostname: "127.0.0.1",
        port,
      });
      udp.close();
      const tcp = Deno.listen({ hostname: "127.0.0.1", port });
      tcp.close();
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) continue;
      throw error;
    }
    givenPorts.add(port);
    return port;
  }
  throw new Error("found no port free for both UDP and TCP in 200 tries");
}

/** The free port that stands for each port a block shows. */
class PortMap {
  #ports = new Map<number, number>();

  /** The free port for `shown`, the same every time within the block. */
  get(shown: number): number {
    let port = this.#ports.get(shown);
    if (port === undefined) {
      port = freePort();
      this.#ports.set(shown, port);
    }
    return port;
  }

  /**
   * The command with every port it shows, or defaults to, replaced by its
   * free port.
   */
  rewrite(planned: Planned): string {
    const { command, ports } = planned;
    if (/^npm start$/.test(command)) {
      return `npm start -- --port ${this.get(SITE_PORT)}`;
    }
    if (/^deno task site:dev$/.test(command)) {
      return `deno task site:dev --port ${this.get(SITE_PORT)}`;
    }
    if (MINIMAL_DNS.test(command)) {
      return command.replace(
        MINIMAL_DNS,
        (_, head, port) => `${head} ${this.get(Number(port))}`,
      );
    }
    const minimal = MINIMAL_FILE.exec(command);
    if (minimal) {
      // The port is the first argument: replaced, or put in.
      const [shown, name, port] = minimal;
      const given = port === "0" ? "0" : String(this.get(ports[0]));
      const file = `${name}.ts`;
      const head = shown.slice(0, shown.indexOf(file) + file.length);
      return `${head} ${given}${command.slice(shown.length)}`;
    }
    const script = /scripts\/\w+\.ts\b/.exec(command);
    if (script && command.includes("deno run")) {
      if (/--port \d+/.test(command)) {
        return command.replace(
          /--port (\d+)/,
          (flag, port) => port === "0" ? flag : `--port ${this.get(+port)}`,
        );
      }
      const at = script.index + script[0].length;
      return `${command.slice(0, at)} --port ${this.get(ports[0])}${
        command.slice(at)
      }`;
    }
    return command.replace(
      /(?<![\w.-])(\d{4,5})(?![\w.])/g,
      (text, port) => ports.includes(+port) ? String(this.get(+port)) : text,
    );
  }
}

/** Which Deno a block's commands find: one on the PATH, or only through npm. */
type Setup = "deno installed" | "through npm";

/** The directory of the Deno running this test, put first on the PATH. */
const DENO_DIR = Deno.execPath().replace(/\/[^/]+$/, "");

/** Quotes text for `sh`. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `sh` script that runs a command as a reader would. `trap : INT` keeps
 * `sh` waiting on Ctrl-C, so it ends with the command's own exit code.
 */
function shellScript(command: string, setup: Setup): string {
  const deno = setup === "deno installed"
    ? `PATH=${shellQuote(DENO_DIR)}:"$PATH"; export PATH`
    : `deno() { echo "sh: deno: not found (no Deno is installed)" >&2; return 127; }`;
  return `trap : INT\n${deno}\n${command}\n`;
}

/** A command run through `sh` in a process group of its own. */
class Shell {
  readonly command: string;
  readonly child: Deno.ChildProcess;
  /** Settles once stdout and stderr are closed: every process let go of them. */
  readonly closed: Promise<void>;
  #stdout = "";
  #stderr = "";
  #exited = false;
  #ended = false;
  #changed = new Set<() => void>();
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;

  constructor(command: string, setup: Setup, cwd: string, stdin: boolean) {
    this.command = command;
    this.child = new Deno.Command("sh", {
      args: ["-c", shellScript(command, setup)],
      cwd,
      env: {
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
        npm_config_update_notifier: "false",
      },
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.#writer = stdin ? this.child.stdin.getWriter() : undefined;
    const collect = async (
      stream: ReadableStream<Uint8Array>,
      add: (text: string) => void,
    ) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        add(stripAnsiCode(text));
        for (const notify of this.#changed) notify();
      }
    };
    this.closed = Promise.all([
      collect(this.child.stdout, (text) => this.#stdout += text),
      collect(this.child.stderr, (text) => this.#stderr += text),
    ]).then(() => {});
    Promise.all([this.child.status, this.closed]).then(() => {
      this.#ended = true;
    });
    this.child.status.then(() => {
      this.#exited = true;
      for (const notify of this.#changed) notify();
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** What it printed, for failure messages. */
  printed(): string {
    return `$ ${this.command}\nstdout: ${
      JSON.stringify(this.#stdout.slice(-600))
    }\nstderr: ${JSON.stringify(this.#stderr.slice(-600))}`;
  }

  /** Types text on its stdin; `end` closes it, as Ctrl-D does. */
  async type(text: string, end: boolean): Promise<void> {
    assert(this.#writer, "started without stdin");
    try {
      await this.#writer.write(new TextEncoder().encode(text));
      if (end) await this.#writer.close();
    } catch {
      // it exited without reading: its output says why
    }
  }

  /** Waits until stdout matches, failing after `ms` or once it has exited. */
  async waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray> {
    let wake = () => {};
    const waiting = (async () => {
      while (true) {
        const found = pattern.exec(this.#stdout);
        if (found) return found;
        if (this.#exited) {
          await this.closed;
          const last = pattern.exec(this.#stdout);
          if (last) return last;
          throw new Error(`it exited before printing ${pattern}`);
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.#changed.add(resolve);
        });
        this.#changed.delete(wake);
      }
    })();
    try {
      return await within(ms, `stdout to match ${pattern}`, waiting);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.printed()}`);
    } finally {
      this.#changed.delete(wake);
      wake();
    }
  }

  /** Waits for its end (all its processes), killing it after `ms`. */
  async end(ms: number): Promise<number> {
    try {
      const [status] = await within(
        ms,
        "it to end",
        Promise.all([this.child.status, this.closed]),
      );
      return status.code;
    } catch (error) {
      this.kill();
      throw new Error(`${(error as Error).message}\n${this.printed()}`);
    }
  }

  /** Presses Ctrl-C: SIGINT to its whole process group; then waits its end. */
  async interrupt(ms = 10_000): Promise<number> {
    await this.#writer?.close().catch(() => {});
    this.#signal("SIGINT");
    return await this.end(ms);
  }

  /** Kills every process of its group, if any is left. */
  kill(): void {
    this.#signal("SIGKILL");
  }

  #signal(signal: Deno.Signal): void {
    // Once the group has ended, its id may be given to another process.
    if (this.#ended) return;
    try {
      Deno.kill(-this.child.pid, signal);
    } catch {
      // the group has already ended
    }
  }
}

/** Bounds, generous: the machine may be busy, and npx takes a second. */
const READY_MS = 30_000;
const SITE_READY_MS = 90_000;
const CLIENT_MS = 30_000;

/** Waits until a UDP port is bound on this machine, as `ss` reports. */
async function waitUntilBound(port: number, server: Shell): Promise<void> {
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    const { stdout } = await new Deno.Command("ss", {
      args: ["-Hlun", `sport = :${port}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (new TextDecoder().decode(stdout).trim() !== "") return;
    if (server.exited) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`UDP port ${port} was never bound\n${server.printed()}`);
}

/** A server a block started, and the command it runs. */
interface Started {
  /** The command, as planned. */
  planned: Planned;
  /** Its process. */
  shell: Shell;
  /** Set once Ctrl-C was pressed for it. */
  stopped?: boolean;
}

/** What a block runs in. */
interface Context {
  /** Its folder: the repository, or a copy. */
  cwd: string;
  /** Which Deno it finds. */
  setup: Setup;
  /** Its free ports. */
  ports: PortMap;
  /** `file:line` of a command, for messages. */
  where: (shown: ShownCommand) => string;
}

/** Starts a server and waits until it is ready. */
async function startServer(planned: Planned, context: Context): Promise<Shell> {
  const { rule } = planned;
  const command = context.ports.rewrite(planned);
  if (rule.shebang) await checkShebangNeedsDeno(command, context);
  const shell = new Shell(command, context.setup, context.cwd, false);
  try {
    if (rule.ready === "bound") {
      const port = context.ports.get(planned.ports[0]);
      await waitUntilBound(port, shell);
    } else if (rule.ready === "site") {
      const [, url] = await shell.waitFor(
        /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/,
        SITE_READY_MS,
      );
      const response = await fetch(`${url}guide/getting-started`, {
        signal: AbortSignal.timeout(SITE_READY_MS),
      });
      const body = await response.text();
      assertEquals(response.status, 200, `${url}guide/getting-started`);
      assert(body.includes('<div id="app">'), "the page is no VitePress page");
    } else {
      await shell.waitFor(/ listening on \S+:\d+$/m, READY_MS);
    }
    return shell;
  } catch (error) {
    shell.kill();
    await shell.end(5_000).catch(() => {});
    throw new Error(
      `${context.where(planned.shown)}: ${planned.command}: ${
        (error as Error).message
      }`,
    );
  }
}

/** The shebang form fails, exit 127, when no deno is on the PATH. */
async function checkShebangNeedsDeno(
  command: string,
  context: Context,
): Promise<void> {
  const bare = command.replace(/^PATH=\S+ /, "");
  const shell = new Shell(
    `PATH=/nonexistent; ${bare}`,
    "through npm",
    context.cwd,
    false,
  );
  try {
    const code = await shell.end(CLIENT_MS);
    assertEquals(code, 127, `without deno on the PATH\n${shell.printed()}`);
    if (Deno.build.os === "linux") {
      // The message the page quotes, from GNU env (its quotes follow the locale).
      assertMatch(
        shell.stderr,
        /\/usr\/bin\/env: ['‘]deno['’]: No such file or directory/,
      );
    }
  } finally {
    shell.kill();
  }
}

/** Stops a server with Ctrl-C, and checks how it ended. */
async function stopServer(server: Started, context: Context): Promise<void> {
  const { planned, shell } = server;
  server.stopped = true;
  const where = `${context.where(planned.shown)}: ${planned.command}`;
  assert(!shell.exited, `${where}: ended before Ctrl-C\n${shell.printed()}`);
  const code = await shell.interrupt();
  if (planned.rule.exitsZero) {
    // npm, or the node wrapper of node_modules/.bin/deno, is stopped by the
    // Ctrl-C too, and the shell shows 130 (128 + SIGINT), as the page says.
    const viaNpm = /^npx |node_modules\/\.bin/.test(planned.command);
    assertEquals(
      code,
      viaNpm ? 130 : 0,
      `${where}: exit code after Ctrl-C\n${shell.printed()}`,
    );
  }
}

/** Runs a client to its end, and checks what it printed. */
async function runClient(
  planned: Planned,
  context: Context,
  servers: Map<number, Started>,
): Promise<void> {
  const { rule } = planned;
  const command = context.ports.rewrite(planned);
  const where = `${context.where(planned.shown)}: ${planned.command}`;
  const shell = new Shell(
    command,
    context.setup,
    context.cwd,
    rule.stdin !== undefined,
  );
  try {
    if (rule.untilCtrlC) {
      await shell.type(rule.stdin ?? "", false);
      await shell.waitFor(rule.prints ?? /./, CLIENT_MS);
      await shell.interrupt();
    } else {
      if (rule.stdin !== undefined) await shell.type(rule.stdin, true);
      const code = await shell.end(CLIENT_MS);
      assertEquals(code, 0, `${where}: exit code\n${shell.printed()}`);
      if (rule.prints) {
        assertMatch(shell.stdout, rule.prints, `${where}\n${shell.printed()}`);
      }
    }
    if (rule.heard) {
      const server = servers.get(planned.ports[0]);
      assert(server, `${where}: no server in its block heard it`);
      await server.shell.waitFor(rule.heard, 10_000);
    }
  } catch (error) {
    const heard = planned.ports.flatMap((port) => {
      const server = servers.get(port);
      return server ? [`its server printed:\n${server.shell.printed()}`] : [];
    });
    throw new Error(
      [`${where}: ${(error as Error).message}`, ...heard].join("\n"),
    );
  } finally {
    shell.kill();
  }
}

/** A copy of what the scripts need, in a temporary folder. */
async function repositoryCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "udp-with-deno-commands-" });
  const { code, stderr } = await new Deno.Command("sh", {
    args: [
      "-c",
      'cp -R scripts lib std_types deno.json package.json "$1" && ln -s "$PWD/node_modules" "$1/node_modules"',
      "sh",
      dir,
    ],
    cwd: ROOT,
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return dir;
}

/**
 * The minimal files alone in a temporary folder, as a reader's copies are:
 * no `deno.json`, no `lib/`, and `node_modules/` linked for `npx deno`.
 */
async function minimalCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "udp-with-deno-minimal-" });
  for await (const entry of Deno.readDir(`${ROOT}scripts/minimal`)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    await Deno.copyFile(
      `${ROOT}scripts/minimal/${entry.name}`,
      `${dir}/${entry.name}`,
    );
  }
  const { code, stderr } = await new Deno.Command("ln", {
    args: ["-s", `${ROOT}node_modules`, `${dir}/node_modules`],
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return dir;
}

/**
 * Runs the commands of one block (see the module's description), and stops
 * every server it started, whatever happens.
 */
async function runBlock(
  block: Block,
  commands: Planned[],
  pageServers: Map<number, Planned>,
): Promise<void> {
  const setup: Setup = block.tab === NPM_TAB ? "through npm" : "deno installed";
  const changesFiles = commands.some((c) => /^chmod /.test(c.command));
  const cwd = changesFiles ? await repositoryCopy() : ROOT;
  const context: Context = {
    cwd,
    setup,
    ports: new PortMap(),
    where: (shown) => `${block.file}:${shown.line}`,
  };
  // The servers running, by the port the page shows; every one started,
  // to stop in `finally` whatever happens.
  const servers = new Map<number, Started>();
  const started: Started[] = [];
  // A minimal file runs where the minimal files lie alone.
  let minimalDir: string | undefined;
  const contextFor = async (planned: Planned, base = context) =>
    planned.rule.minimal
      ? { ...base, cwd: minimalDir ??= await minimalCopy() }
      : base;
  const start = async (planned: Planned, context: Context) => {
    const shell = await startServer(
      planned,
      await contextFor(planned, context),
    );
    const server = { planned, shell };
    started.push(server);
    const port = planned.ports[0];
    if (port !== undefined) servers.set(port, server);
    return server;
  };
  try {
    for (const step of commands.filter((c) => c.rule.role === "setup")) {
      await runClient(step, await contextFor(step), servers);
    }
    const blockServers = commands.filter((c) => c.rule.role === "server");
    const clients = commands.filter((c) => c.rule.role === "client");
    const first = new Map<number, Planned>();
    const replacements: Planned[] = [];
    for (const server of blockServers) {
      const port = server.ports[0];
      if (port === undefined) continue;
      if (first.has(port)) replacements.push(server);
      else first.set(port, server);
    }
    // A block of clients only talks to the page's server for its port.
    for (const client of clients) {
      for (const port of client.ports) {
        if (first.has(port)) continue;
        const fixture = pageServers.get(port);
        assert(
          fixture,
          `${
            context.where(client.shown)
          }: ${client.command}: no server on this page for port ${port}`,
        );
        first.set(port, fixture);
        await start(fixture, { ...context, setup: "deno installed" });
      }
    }
    for (const server of blockServers) {
      const port = server.ports[0];
      if (port === undefined || first.get(port) === server) {
        await start(server, context);
      }
    }
    for (const client of clients) {
      await runClient(client, await contextFor(client), servers);
    }
    for (const replacement of replacements) {
      const port = replacement.ports[0];
      const previous = servers.get(port);
      assert(previous);
      await stopServer(previous, context);
      await start(replacement, context);
      if (replacement.rule.noRerun) continue;
      for (const client of clients.filter((c) => c.ports.includes(port))) {
        await runClient(client, await contextFor(client), servers);
      }
    }
    for (const server of started) {
      if (!server.stopped) await stopServer(server, context);
    }
  } finally {
    for (const { shell } of started) {
      shell.kill();
      await shell.end(5_000).catch(() => {});
    }
    if (changesFiles) await Deno.remove(cwd, { recursive: true });
    if (minimalDir) await Deno.remove(minimalDir, { recursive: true });
  }
}

/**
 * Pages whose `deno` commands are for the project's developers, not readers:
 * the benchmark's page says once that it needs Deno, or `npx deno`.
 */
const BENCHMARK_PAGES = new Set(["performance.md", "zh/performance.md"]);

Deno.test("every shell block that runs deno shows both tabs, Deno installed and through npm", async () => {
  const problems: string[] = [];
  for (const page of await listPages()) {
    const blocks = shellBlocks(page.file, page.markdown);
    for (const block of blocks) {
      const where = `${page.file}:${block.line}`;
      const commands = block.commands.map((c) => withoutComment(c.text));
      const bare = commands.filter((c) =>
        /(^|[|;&]\s*|\s)deno /.test(c) && !/(^|\s)npx deno /.test(c)
      );
      const npx = commands.filter((c) => /(^|\s)npx deno /.test(c));
      if (block.tab === NPM_TAB && bare.length > 0) {
        problems.push(
          `${where}: the ${NPM_TAB} tab runs a bare deno: ${bare[0]}`,
        );
      }
      if (block.tab !== NPM_TAB && npx.length > 0) {
        problems.push(`${where}: npx deno outside a ${NPM_TAB} tab: ${npx[0]}`);
      }
      if (bare.length === 0 || block.tab === NPM_TAB) continue;
      if (BENCHMARK_PAGES.has(page.file)) continue;
      const tabs = blocks.filter((b) =>
        b.group !== undefined && b.group === block.group
      );
      const npm = tabs.find((b) => b.tab === NPM_TAB);
      if (block.tab !== DENO_TAB || npm === undefined) {
        problems.push(
          `${where}: "${
            bare[0]
          }" needs a ::: code-group with tabs [${DENO_TAB}] and [${NPM_TAB}]`,
        );
      } else if (npm.commands.length !== block.commands.length) {
        problems.push(
          `${where}: the tabs show ${block.commands.length} and ${npm.commands.length} commands; each needs both forms`,
        );
      }
    }
  }
  assertEquals(problems, []);
});

/** The commands of a block to run, and every place the same block appears. */
interface Unit {
  block: Block;
  runnable: Planned[];
  unknown: ShownCommand[];
  pageServers: Map<number, Planned>;
  /** Where the block is: `file:line [tab]`, the first one and its copies. */
  places: string[];
}

/** How many blocks run at once: their waits overlap, their CPU does not. */
const PARALLEL_BLOCKS = 3;

/** Runs jobs, at most `limit` at a time. */
async function inParallel(
  jobs: (() => Promise<unknown>)[],
  limit: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
}

/** The reasons a block cannot run here: the outside tools it lacks. */
function missingTools(
  unit: Unit,
  requirements: Map<Tool, Requirement>,
): string[] {
  return [...new Set(unit.runnable.flatMap((c) => c.rule.needs ?? []))]
    .map((tool) => requirements.get(tool))
    .filter((r): r is Requirement => r !== undefined && !r.met)
    .map((r) => r.reason);
}

/**
 * Runs a block's commands, unless it shows one no rule knows, or lacks a
 * tool (then it is ignored, or fails under CI=true).
 */
async function checkUnit(
  unit: Unit,
  requirements: Map<Tool, Requirement>,
): Promise<void> {
  assertEquals(
    unit.unknown.map((c) => `${unit.block.file}:${c.line}: ${c.text}`),
    [],
    "commands no rule knows how to run: add a rule to RULES, or to NOT_RUNNABLE with the reason",
  );
  const missing = missingTools(unit, requirements);
  if (missing.length === 0) {
    await runBlock(unit.block, unit.runnable, unit.pageServers);
  } else if (CI) {
    throw new Error(
      `CI=true, so this block must run, but: ${missing.join("; ")}`,
    );
  }
}

Deno.test("every command on the site works as written, in every tab", async (t) => {
  const known = new Set<number>([SITE_PORT]);
  for (const script of ["echo", "hello", "time", "size"]) {
    known.add(await defaultPort(`${script}_server`));
  }
  known.add(await defaultPort("broadcast_listener"));
  known.add(await defaultPort("multicast_listener"));
  known.add(DNSMASQ_PORT);
  const requirements = new Map<Tool, Requirement>();
  for (const tool of Object.keys(TOOLS) as Tool[]) {
    requirements.set(tool, await TOOLS[tool]());
  }
  const unusedSkips = new Set(NOT_RUNNABLE);
  const skipped: { place: string; command: string; reason: string }[] = [];
  // A block shown again on another page (a translation) with the same
  // commands, the same tab and the same servers runs once; its step names
  // every place it appears.
  const units = new Map<string, Unit>();
  for (const page of await listPages()) {
    const blocks = shellBlocks(page.file, page.markdown);
    const plans = new Map<Block, Plan[]>();
    for (const block of blocks) {
      plans.set(
        block,
        await Promise.all(block.commands.map((c) => plan(c, known))),
      );
    }
    // The page's first server for each port, in the form it first shows:
    // a full script's rather than a minimal file's, which the page shows
    // first but which the standard tools' blocks do not speak of.
    const pageServers = new Map<number, Planned>();
    for (const plan of [...plans.values()].flat()) {
      if (plan.kind !== "run" || plan.planned.rule.role !== "server") continue;
      const port = plan.planned.ports[0];
      if (port === undefined) continue;
      const first = pageServers.get(port);
      if (
        first === undefined ||
        (first.rule.minimal && !plan.planned.rule.minimal)
      ) {
        pageServers.set(port, plan.planned);
      }
    }
    for (const block of blocks) {
      const place = `${page.file}:${block.line}${
        block.tab ? ` [${block.tab}]` : ""
      }`;
      const blockPlans = plans.get(block) ?? [];
      for (const plan of blockPlans) {
        if (plan.kind !== "skip") continue;
        const command = withoutComment(plan.shown.text);
        for (const entry of NOT_RUNNABLE) {
          if (entry.match.test(command)) unusedSkips.delete(entry);
        }
        skipped.push({
          place: `${page.file}:${plan.shown.line}`,
          command,
          reason: plan.reason,
        });
      }
      const unknown = blockPlans.flatMap((p) =>
        p.kind === "unknown" ? [p.shown] : []
      );
      const runnable = blockPlans.flatMap((p) =>
        p.kind === "run" ? [p.planned] : []
      );
      if (runnable.length === 0 && unknown.length === 0) continue;
      const served = new Set(
        runnable.filter((c) => c.rule.role === "server").flatMap((c) =>
          c.ports
        ),
      );
      const fixtures = runnable.flatMap((c) => c.ports)
        .filter((port) => !served.has(port))
        .map((port) => pageServers.get(port)?.command);
      const key = JSON.stringify([
        block.tab === NPM_TAB,
        runnable.map((c) => c.command),
        unknown.map((c) => c.text),
        fixtures,
      ]);
      const unit = units.get(key);
      if (unit) unit.places.push(place);
      else {units.set(key, {
          block,
          runnable,
          unknown,
          pageServers,
          places: [place],
        });}
    }
  }
  for (const { place, command, reason } of skipped) {
    await t.step({
      name: `${place}: ${command} — not run: ${reason}`,
      ignore: true,
      fn() {},
    });
  }
  // The blocks run a few at a time (each on ports of its own), then each
  // reports as a step. The dev-server blocks run one after the other: they
  // share VitePress's cache folder.
  const outcomes = new Map<Unit, Promise<unknown>>();
  const run = (unit: Unit) => {
    const outcome = checkUnit(unit, requirements).then(
      () => undefined,
      (e) => e,
    );
    outcomes.set(unit, outcome);
    return outcome;
  };
  const all = [...units.values()];
  const isSite = (unit: Unit) =>
    unit.runnable.some((c) => c.rule.ready === "site");
  const jobs: (() => Promise<unknown>)[] = [
    async () => {
      for (const unit of all.filter(isSite)) await run(unit);
    },
    ...all.filter((unit) => !isSite(unit)).map((unit) => () => run(unit)),
  ];
  await inParallel(jobs, PARALLEL_BLOCKS);
  let ran = 0;
  for (const unit of all) {
    const ignore = missingTools(unit, requirements).length > 0 && !CI &&
      unit.unknown.length === 0;
    if (ignore) {
      console.log(
        `ignored: ${missingTools(unit, requirements).join("; ")} — ${
          unit.places[0]
        }`,
      );
    }
    await t.step({
      name: `${unit.places.join(", ")}: ${
        unit.runnable.map((c) => c.command).join(" ; ")
      }`,
      ignore,
      async fn() {
        const error = await outcomes.get(unit);
        if (error !== undefined) throw error;
        ran += unit.runnable.length;
      },
    });
  }
  assertEquals(
    [...unusedSkips].map((entry) => String(entry.match)),
    [],
    "NOT_RUNNABLE entries that match no command on the pages: remove them",
  );
  assert(ran > 0, "no command ran");
});
