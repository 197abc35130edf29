/**
 * The flags the two multicast scripts share: a group, and the interface it
 * is joined on, checked before any socket exists; and a failed join said in
 * one line.
 *
 * @module
 */
import { usage } from "./cli.ts";

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A multicast group, as `--group` names it. */
export type MulticastGroup =
  | { family: 4; address: string }
  | {
    family: 6;
    address: string;
    /**
     * The scope, the group's fourth hex digit: 1 interface-local (it never
     * leaves the interface), 2 link-local, 5 site-local, 8
     * organization-local, e global.
     */
    scope: number;
  };

/**
 * Reads `--group`: an IPv4 address from 224.0.0.0 to 239.255.255.255, or an
 * IPv6 address that starts with `ff`. Exits 2 for anything else.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseGroup } from "./multicast.ts";
 *
 * assertEquals(parseGroup("239.255.0.1"), { family: 4, address: "239.255.0.1" });
 * assertEquals(parseGroup("FF01:0::1:2"), { family: 6, address: "ff01::1:2", scope: 1 });
 * ```
 *
 * @param text The value as typed.
 * @returns The group, an IPv6 one in its short form.
 */
export function parseGroup(text: string): MulticastGroup {
  const shown = JSON.stringify(text);
  const hint = "IPv4 groups run from 224.0.0.0 to 239.255.255.255, " +
    "IPv6 groups start with ff";
  if (IPV4.test(text)) {
    const first = Number(text.split(".")[0]);
    if (first >= 224 && first <= 239) return { family: 4, address: text };
    usage(`--group ${text} is not a multicast address (${hint})`);
  }
  if (text.includes(":") && !text.includes("%")) {
    let address: string | undefined;
    try {
      address = new URL(`http://[${text}]`).hostname.slice(1, -1);
    } catch {
      // not an IPv6 address: said below
    }
    if (address !== undefined) {
      const head = address.split(":")[0].padStart(4, "0");
      if (head.startsWith("ff")) {
        return { family: 6, address, scope: parseInt(head[3], 16) };
      }
      usage(`--group ${address} is not a multicast address (${hint})`);
    }
  }
  usage(`--group must be a multicast address (${hint}), not ${shown}`);
}

/**
 * Reads `--interface` for a group: for an IPv4 group, an IPv4 address (the
 * interface's own, such as 127.0.0.1 or 192.168.1.23); for an IPv6 group,
 * an interface index (`ip link` shows them). Exits 2 otherwise. Whether the
 * machine has that interface, only the system can say: see
 * {@linkcode joinError}.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseGroup, parseInterface } from "./multicast.ts";
 *
 * assertEquals(parseInterface("127.0.0.1", parseGroup("239.255.0.1")), "127.0.0.1");
 * assertEquals(parseInterface("2", parseGroup("ff01::1:2")), 2);
 * ```
 *
 * @param text The value as typed.
 * @param group The group it is for.
 * @returns The address (IPv4) or the index (IPv6).
 */
export function parseInterface(
  text: string,
  group: MulticastGroup,
): string | number {
  const shown = JSON.stringify(text);
  if (group.family === 4) {
    if (text === "0.0.0.0") {
      usage(
        "--interface must name one interface by its address; 0.0.0.0 would " +
          "leave the choice to the routing table",
      );
    }
    if (IPV4.test(text)) return text;
    usage(
      `--interface must be an IPv4 address of this machine for an IPv4 group, such as 127.0.0.1, not ${shown}`,
    );
  }
  if (/^\d{1,10}$/.test(text) && Number(text) >= 1 && Number(text) < 2 ** 32) {
    return Number(text);
  }
  usage(
    `--interface must be an interface index for an IPv6 group, such as 2 (ip link lists them), not ${shown}`,
  );
}

/**
 * Says in one line why joining a group failed. The system says "No such
 * device" (ENODEV) when no interface has that address or index: that is a
 * mistake on the command line, exit code 2, as {@linkcode usage} gives.
 * Anything else is returned as a message for `fail()`.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "jsr:@std/assert@^1";
 * import { joinError } from "./multicast.ts";
 *
 * const error = new Error("Operation not permitted (os error 1)");
 * assertStringIncludes(joinError(error, "239.255.0.1", "127.0.0.1"), "cannot join");
 * ```
 *
 * @param error What `joinMulticastV4` or `joinMulticastV6` threw.
 * @param group The group.
 * @param networkInterface The interface's address or index.
 * @returns The message, when it is not a mistake on the command line.
 */
export function joinError(
  error: unknown,
  group: string,
  networkInterface: string | number,
): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (reason.includes("os error 19")) {
    usage(
      typeof networkInterface === "string"
        ? `--interface ${networkInterface} is not an IPv4 address of this machine (the system says: ${reason})`
        : `--interface ${networkInterface}: this machine has no interface with that index (the system says: ${reason})`,
    );
  }
  return `cannot join ${group} on interface ${networkInterface}: ${reason}`;
}
