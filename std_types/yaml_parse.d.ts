/** Parses one YAML document into plain values (objects, arrays, strings…). */
export function parse(content: string): unknown;
