/**
 * Building the benchmark's C programs: the load generator (`bench/load.c`),
 * the plain C echo loop (`bench/servers/c_echo.c`) and the terminal probe
 * (`bench/terminal.c`), compiled at bench time into a temporary folder.
 *
 * The compiler and `mktemp` run as subprocesses, so a caller needs only
 * `--allow-run` (and `--allow-read` for the sources), not `--allow-write`:
 * the test that checks the load generator runs with the test task's
 * permissions.
 *
 * @module
 */

/** Where the benchmark's sources live. */
export const BENCH_DIR = new URL(".", import.meta.url).pathname;

/** The compiled programs, and the folder to remove when done. */
export interface CPrograms {
  /** The temporary folder holding the binaries. */
  dir: string;
  /** `load`: the load generator. */
  load: string;
  /** `c_echo`: the plain C echo loop. */
  cEcho: string;
  /** `terminal`: times a server's log line on a pseudo-terminal. */
  terminal: string;
  /** The compiler that built them, with its version line. */
  compiler: string;
}

/**
 * Runs a command to its end; `undefined` if it is not installed.
 *
 * @param command The program.
 * @param args Its arguments.
 * @returns Whether it succeeded, and what it printed.
 */
export async function output(command: string, args: string[]) {
  try {
    const result = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      ok: result.success,
      stdout: decoder.decode(result.stdout),
      stderr: decoder.decode(result.stderr),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Finds a C compiler: `$CC` if set and readable, else `gcc`, `cc`, `clang`.
 *
 * @returns The compiler's command and version line, or `undefined`.
 */
export async function findCompiler(): Promise<
  { command: string; version: string } | undefined
> {
  const fromEnv = Deno.permissions.querySync({ name: "env", variable: "CC" })
      .state === "granted"
    ? Deno.env.get("CC")
    : undefined;
  for (const command of [fromEnv, "gcc", "cc", "clang"]) {
    if (!command) continue;
    const result = await output(command, ["--version"]);
    if (result?.ok) {
      return { command, version: result.stdout.split("\n")[0].trim() };
    }
  }
  return undefined;
}

/**
 * Compiles `load.c`, `c_echo.c` and `terminal.c` with `-O2` into a new
 * temporary folder.
 *
 * @returns The binaries' paths.
 * @throws {Error} With what to install if no C compiler is found, or the
 *   compiler's message if the build fails.
 */
export async function buildCPrograms(): Promise<CPrograms> {
  const compiler = await findCompiler();
  if (!compiler) {
    throw new Error(
      "no C compiler found (tried $CC, gcc, cc, clang): the load generator " +
        "bench/load.c must be compiled; install one (apt-get install gcc) " +
        "or set CC, then run again",
    );
  }
  const made = await output("mktemp", ["-d", "/tmp/udp-bench.XXXXXX"]);
  if (!made?.ok) throw new Error("mktemp -d failed: cannot make a temp dir");
  const dir = made.stdout.trim();
  const programs = [
    { name: "load", source: "load.c", libraries: [] },
    { name: "c_echo", source: "servers/c_echo.c", libraries: [] },
    { name: "terminal", source: "terminal.c", libraries: ["-lutil"] },
  ];
  const built: Record<string, string> = {};
  for (const { name, source, libraries } of programs) {
    const binary = `${dir}/${name}`;
    const result = await output(compiler.command, [
      "-O2",
      "-Wall",
      "-o",
      binary,
      `${BENCH_DIR}${source}`,
      ...libraries,
    ]);
    if (!result?.ok) {
      await removeCPrograms(dir);
      throw new Error(
        `${compiler.command} failed on ${source}:\n${result?.stderr}`,
      );
    }
    built[name] = binary;
  }
  return {
    dir,
    load: built.load,
    cEcho: built.c_echo,
    terminal: built.terminal,
    compiler: `${compiler.command}: ${compiler.version}`,
  };
}

/** Removes the folder {@linkcode buildCPrograms} made. */
export async function removeCPrograms(dir: string): Promise<void> {
  if (!dir.startsWith("/tmp/udp-bench.")) return;
  await output("rm", ["-rf", dir]);
}

/** One line of `load`'s output in throughput mode. */
export interface ThroughputResult {
  mode: "throughput";
  window: number;
  /** How many source ports (sockets) the requests went out from. */
  sources: number;
  sent: number;
  replies: number;
  measured: number;
  seconds: number;
  per_second: number;
  bad: number;
  late: number;
  lost: number;
}

/** One line of `load`'s output in latency mode. */
export interface LatencyResult {
  mode: "latency";
  rate: number;
  /** How many source ports (sockets) the requests went out from. */
  sources: number;
  sent: number;
  replies: number;
  bad: number;
  lost: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
}

/** The one line of `terminal`'s output. */
export interface TerminalResult {
  mode: "terminal";
  sent: number;
  shown: number;
  replies: number;
  p50_us: number;
  p90_us: number;
  max_us: number;
  exit: number;
}

/**
 * Runs the load generator and parses its one JSON line.
 *
 * @param load The `load` binary.
 * @param args Its arguments: mode, host, port, options.
 * @param pinTo Run it on this CPU with `taskset`, if given.
 */
export async function runLoad<
  T extends ThroughputResult | LatencyResult | TerminalResult,
>(
  load: string,
  args: string[],
  pinTo?: number,
): Promise<T> {
  const [command, fullArgs] = pinTo === undefined
    ? [load, args]
    : ["taskset", ["-c", String(pinTo), load, ...args]];
  const result = await output(command, fullArgs);
  if (!result?.ok) {
    throw new Error(`load ${args.join(" ")} failed: ${result?.stderr.trim()}`);
  }
  return JSON.parse(result.stdout) as T;
}
