/**
 * `parse` of `@std/yaml` from the npm package `deno-std`, with our
 * declarations attached.
 *
 * @module
 */
// @ts-types="./yaml_parse.d.ts"
export { parse } from "npm:deno-std@1.4.0/yaml/parse.js";
