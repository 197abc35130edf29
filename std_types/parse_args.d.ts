/** Options of `parseArgs()` that this project uses. */
export interface ParseOptions<B extends string, S extends string> {
  /** Flags that take no value. */
  boolean?: readonly B[];
  /** Flags whose value is kept as a string. */
  string?: readonly S[];
  /** Other names for a flag, such as `{ help: "h" }`. */
  alias?: Record<string, string | readonly string[]>;
  /** Stop at the first argument that is not a flag. */
  stopEarly?: boolean;
}

/** What `parseArgs()` returns: the flags it saw and the positional arguments. */
export type Args<B extends string, S extends string> =
  & { [K in B]: boolean }
  & { [K in S]?: string }
  & { _: Array<string | number>; [other: string]: unknown };

/** Parses command-line arguments, as `jsr:@std/cli/parse-args` does. */
export function parseArgs<
  const B extends string = never,
  const S extends string = never,
>(args: readonly string[], options?: ParseOptions<B, S>): Args<B, S>;
