/**
 * `parseArgs` from the npm package `deno-std`, with our declarations attached.
 *
 * @module
 */
// @ts-types="./parse_args.d.ts"
export { parseArgs } from "npm:deno-std@1.4.0/cli/parse_args.js";
