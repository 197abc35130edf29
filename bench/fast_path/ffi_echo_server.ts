#!/usr/bin/env -S deno run --allow-ffi
/**
 * FAST-PATH STUDY, NOT ONE OF THE TUTORIAL PROGRAMS.
 *
 * An echo server that answers, refuses and logs like `scripts/echo_server.ts`
 * (`OK...` + the same bytes back, one `Message[ADDR:PORT] - PAYLOAD` line per
 * datagram) but moves datagrams in batches with Linux's `recvmmsg` and
 * `sendmmsg`, called from TypeScript through `Deno.dlopen` on the C library:
 * one system call receives up to `--batch` datagrams, one answers them all.
 * Each datagram is received just after a copy of the prefix, so its reply is
 * the bytes already in place: nothing is copied.
 *
 * What that costs, and why the shipped `echo_server.ts` does not do it:
 *
 * - `--allow-ffi`: the C library runs outside Deno's sandbox, so the
 *   permission system no longer holds anything back (it is as good as
 *   `--allow-all`), where the shipped server needs only `-N`.
 * - Linux only: `recvmmsg`/`sendmmsg`, the constants and the struct layouts
 *   below are those of 64-bit Linux (x86_64, aarch64) with glibc.
 * - It blocks the event loop: while it waits in `recvmmsg`, nothing else in
 *   the program runs, no timer, no promise, no signal listener. Ctrl-C ends it
 *   the operating system's way (exit code 130, not 0), and the log is written
 *   whenever the socket falls idle instead of by a timer. With `--nonblocking`
 *   the wait happens on a helper thread instead: the event loop stays alive
 *   and Ctrl-C closes the server cleanly, for a little more time per batch.
 * - Unsafe pointers: the structs are bytes written at offsets worked out by
 *   hand. A wrong offset corrupts memory instead of throwing an error.
 *
 * `--batch 1` moves one datagram per system call, as a synchronous
 * `receive`/`send` in Deno would; with `--no-log` it measures what such an
 * API would give without batching.
 *
 * Run:   deno run --allow-ffi bench/fast_path/ffi_echo_server.ts [--host 127.0.0.1] [--port 8888] [--batch 64] [--nonblocking] [--no-log]
 * Talk:  deno run -N scripts/echo_client.ts   (or: nc -u 127.0.0.1 8888)
 *
 * @module
 */
import { parseArgs } from "jsr:@std/cli@^1/parse-args";
import { MAX_REPLY_GROWTH, refusalReason } from "../../lib/guards.ts";
import { formatAddress } from "../../lib/net.ts";
import { safeText } from "../../lib/text.ts";

const USAGE =
  "Usage: deno run --allow-ffi bench/fast_path/ffi_echo_server.ts [--host 127.0.0.1] [--port 8888] [--prefix OK...] [--batch 1-1024] [--nonblocking] [--no-log]";

// #region layout
// 64-bit Linux: the numbers and struct layouts that recvmmsg/sendmmsg use.
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const MSG_DONTWAIT = 0x40;
const MSG_WAITFORONE = 0x10000;
const SHUT_RDWR = 2;
const EINTR = 4;

const SLOT = MAX_REPLY_GROWTH + 65_536; // room for the prefix, then any payload
const MMSGHDR = 64; // struct mmsghdr: struct msghdr (56 bytes), then msg_len
const MSG_NAME = 0; // msghdr.msg_name: where the sender's address goes
const MSG_NAMELEN = 8; // msghdr.msg_namelen
const MSG_IOV = 16; // msghdr.msg_iov: the buffers
const MSG_IOVLEN = 24; // msghdr.msg_iovlen
const MSG_LEN = 56; // mmsghdr.msg_len: bytes received
const IOVEC = 16; // struct iovec: a pointer, then a length
const SOCKADDR = 128; // struct sockaddr_storage
// #endregion layout

// #region libc
const libc = Deno.dlopen("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  inet_ntop: {
    parameters: ["i32", "buffer", "buffer", "u32"],
    result: "pointer",
  },
  recvmmsg: {
    parameters: ["i32", "buffer", "u32", "i32", "pointer"],
    result: "i32",
  },
  recvmmsgOnThread: {
    name: "recvmmsg",
    parameters: ["i32", "buffer", "u32", "i32", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
});

function errno(): number {
  const location = libc.symbols.__errno_location();
  return location ? new Deno.UnsafePointerView(location).getInt32() : 0;
}
// #endregion libc

/** The flags, checked. */
interface Options {
  host: string;
  port: number;
  prefix: Uint8Array;
  batch: number;
  nonblocking: boolean;
  log: boolean;
}

function parseOptions(args: string[]): Options {
  const flags = parseArgs(args, {
    string: ["host", "port", "prefix", "batch"],
    boolean: ["nonblocking", "no-log", "help"],
    default: { host: "127.0.0.1", port: "8888", prefix: "OK...", batch: "64" },
    unknown: (arg: string) =>
      arg.startsWith("-") ? usage(`unknown ${arg}`) : true,
  });
  if (flags.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const [host, portText] = [String(flags.host), String(flags.port)];
  const port = Number(portText);
  const batch = Number(flags.batch);
  const prefix = new TextEncoder().encode(String(flags.prefix));
  if (!/^\d+$/.test(portText) || port > 65_535) {
    usage("--port must be a whole number from 0 to 65535");
  }
  if (!Number.isInteger(batch) || batch < 1 || batch > 1024) {
    usage("--batch must be a whole number from 1 to 1024");
  }
  if (prefix.length > MAX_REPLY_GROWTH) {
    usage(`--prefix may be at most ${MAX_REPLY_GROWTH} bytes`);
  }
  return {
    host,
    port,
    prefix,
    batch,
    nonblocking: flags.nonblocking === true,
    log: flags["no-log"] !== true,
  };
}

function usage(message: string): never {
  console.error(`ffi_echo_server: ${message}. ${USAGE}`);
  Deno.exit(2);
}

// #region log
/**
 * The log, written synchronously but in blocks: lines are encoded into one
 * 64 KiB buffer, written when it is full and whenever the socket falls idle.
 * A timer cannot do it here, since a blocking wait stops the event loop.
 */
class BlockLog {
  #bytes = new Uint8Array(65_536);
  #used = 0;
  #encoder = new TextEncoder();

  /** Adds one line of text. */
  line(text: string): void {
    if (this.#used + text.length * 3 + 1 > this.#bytes.length) this.flush();
    const { written } = this.#encoder.encodeInto(
      text,
      this.#bytes.subarray(this.#used),
    );
    this.#used += written;
    this.#bytes[this.#used++] = 0x0a;
  }

  /**
   * Adds `head` then `payload` as one line, if the payload is what
   * `safeText` shows unchanged: at most 200 bytes of printable ASCII other
   * than `\`, with no trailing space or line break. Those bytes are copied
   * as they are, with no string made. Returns false, adding nothing, for any
   * other payload.
   */
  rawLine(head: Uint8Array, payload: Uint8Array): boolean {
    const length = payload.length;
    if (length > 200) return false;
    for (let i = 0; i < length; i++) {
      const byte = payload[i];
      if (byte < 0x21 || byte > 0x7e || byte === 0x5c) {
        if (byte !== 0x20 || i === length - 1) return false;
      }
    }
    if (this.#used + head.length + length + 1 > this.#bytes.length) {
      this.flush();
    }
    this.#bytes.set(head, this.#used);
    this.#bytes.set(payload, this.#used + head.length);
    this.#used += head.length + length;
    this.#bytes[this.#used++] = 0x0a;
    return true;
  }

  flush(): void {
    for (let done = 0; done < this.#used;) {
      done += Deno.stdout.writeSync(this.#bytes.subarray(done, this.#used));
    }
    this.#used = 0;
  }
}
// #endregion log

if (import.meta.main) {
  const options = parseOptions(Deno.args);
  if (Deno.build.os !== "linux") usage("this study needs Linux (recvmmsg)");
  const { batch, prefix } = options;

  // #region memory
  // All the memory the kernel reads and writes, in one block that lives as
  // long as the program: request headers, reply headers, one buffer list
  // each, the senders' addresses, and one slot per datagram: the prefix,
  // then the payload, so that a reply is the bytes already in place.
  const REQUESTS = 0;
  const REPLIES = REQUESTS + batch * MMSGHDR;
  const REQUEST_IOVECS = REPLIES + batch * MMSGHDR;
  const REPLY_IOVECS = REQUEST_IOVECS + batch * IOVEC;
  const ADDRESSES = REPLY_IOVECS + batch * IOVEC;
  const SLOTS = ADDRESSES + batch * SOCKADDR;

  const memory = new Uint8Array(SLOTS + batch * SLOT);
  const view = new DataView(memory.buffer);
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(memory)));
  const requests = memory.subarray(REQUESTS, REPLIES);
  const replies = memory.subarray(REPLIES, REQUEST_IOVECS);

  /** Writes, at `at`, a pointer to `offset` in `memory`. */
  const setPointer = (at: number, offset: number) =>
    view.setBigUint64(at, base + BigInt(offset), true);

  /** Points reply header `k` at request `i`'s sender and slot. */
  const pointReply = (k: number, i: number) => {
    const header = REPLIES + k * MMSGHDR;
    setPointer(header + MSG_NAME, ADDRESSES + i * SOCKADDR);
    setPointer(header + MSG_IOV, REPLY_IOVECS + i * IOVEC);
    view.setBigUint64(header + MSG_IOVLEN, 1n, true);
  };

  for (let i = 0; i < batch; i++) {
    const slot = SLOTS + i * SLOT;
    memory.set(prefix, slot);
    const request = REQUESTS + i * MMSGHDR;
    setPointer(request + MSG_NAME, ADDRESSES + i * SOCKADDR);
    view.setUint32(request + MSG_NAMELEN, SOCKADDR, true);
    setPointer(request + MSG_IOV, REQUEST_IOVECS + i * IOVEC);
    view.setBigUint64(request + MSG_IOVLEN, 1n, true);
    // Receive after the prefix; reply from the prefix on.
    setPointer(REQUEST_IOVECS + i * IOVEC, slot + prefix.length);
    view.setBigUint64(
      REQUEST_IOVECS + i * IOVEC + 8,
      BigInt(SLOT - prefix.length),
      true,
    );
    setPointer(REPLY_IOVECS + i * IOVEC, slot);
    pointReply(i, i);
  }
  // #endregion memory

  // #region addresses
  /** Fills address slot 0 with `host:port`; returns its length in bytes. */
  const writeSockaddr = (host: string, port: number): number => {
    const text = new TextEncoder().encode(`${host}\0`);
    memory.fill(0, ADDRESSES, ADDRESSES + SOCKADDR);
    if (
      libc.symbols.inet_pton(AF_INET, text, memory.subarray(ADDRESSES + 4)) ===
        1
    ) {
      view.setUint16(ADDRESSES, AF_INET, true);
      view.setUint16(ADDRESSES + 2, port); // network byte order: big-endian
      return 16;
    }
    if (
      libc.symbols.inet_pton(AF_INET6, text, memory.subarray(ADDRESSES + 8)) ===
        1
    ) {
      view.setUint16(ADDRESSES, AF_INET6, true);
      view.setUint16(ADDRESSES + 2, port);
      return 28;
    }
    usage(`--host must be an IP address here, not ${host}`);
  };

  const addressText = new Uint8Array(64);
  const lastSender = new Uint8Array(28);
  let lastAddr: Deno.NetAddr = { transport: "udp", hostname: "", port: 0 };
  let lastShown = "";
  let lastHead = new Uint8Array();
  const colour = Deno.stdout.isTerminal() && !Deno.noColor;

  /**
   * Reads the sender in address slot `i`. A sender seen just before (the
   * usual case: one client sends many datagrams) is not decoded again, and
   * its address is shown, in colour on a terminal, from the text made then.
   */
  const readSender = (i: number): Deno.NetAddr => {
    const at = ADDRESSES + i * SOCKADDR;
    const length = view.getUint16(at, true) === AF_INET ? 16 : 28;
    const bytes = memory.subarray(at, at + length);
    let same = lastAddr.port !== 0;
    for (let k = 0; same && k < length; k++) same = bytes[k] === lastSender[k];
    if (same) return lastAddr;
    lastSender.fill(0);
    lastSender.set(bytes);
    const port = view.getUint16(at + 2);
    let hostname: string;
    if (length === 16) {
      const [a, b, c, d] = memory.subarray(at + 4, at + 8);
      hostname = `${a}.${b}.${c}.${d}`;
    } else {
      libc.symbols.inet_ntop(
        AF_INET6,
        memory.subarray(at + 8, at + 24),
        addressText,
        addressText.length,
      );
      hostname = new TextDecoder().decode(
        addressText.subarray(0, addressText.indexOf(0)),
      );
    }
    lastAddr = { transport: "udp", hostname, port };
    const shown = formatAddress(lastAddr);
    lastShown = colour ? `\x1b[36m${shown}\x1b[39m` : shown;
    lastHead = new TextEncoder().encode(`Message[${lastShown}] - `);
    return lastAddr;
  };
  // #endregion addresses

  // #region listen
  const family = options.host.includes(":") ? AF_INET6 : AF_INET;
  const fd = libc.symbols.socket(family, SOCK_DGRAM, 0);
  const length = writeSockaddr(options.host, options.port);
  if (fd < 0 || libc.symbols.bind(fd, memory.subarray(ADDRESSES), length)) {
    console.error(
      `ffi_echo_server: cannot listen on ${options.host}:${options.port} (errno ${errno()}); is the port taken? choose another with --port`,
    );
    Deno.exit(1);
  }
  libc.symbols.getsockname(
    fd,
    memory.subarray(ADDRESSES),
    new Uint32Array([SOCKADDR]),
  );
  const local = { ...readSender(0) };
  const log = new BlockLog();
  log.line(`ffi echo server listening on ${formatAddress(local)}`);
  log.flush();
  let stopping = false;
  if (options.nonblocking) {
    // Waking a recvmmsg blocked on another thread takes shutdown(), not close().
    const stop = () => {
      stopping = true;
      libc.symbols.shutdown(fd, SHUT_RDWR);
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  }
  // #endregion listen

  let refusedBefore = false;
  const noteRefusal = (reason: string) => {
    const line = new TextEncoder().encode(`not answering: ${reason}\n`);
    for (let done = 0; done < line.length;) {
      done += Deno.stderr.writeSync(line.subarray(done));
    }
  };

  // #region loop
  while (!stopping) {
    // Take whatever is waiting; if nothing is, write the log, then wait.
    let count = libc.symbols.recvmmsg(fd, requests, batch, MSG_DONTWAIT, null);
    if (count < 0) {
      if (options.log) log.flush();
      count = options.nonblocking
        ? await libc.symbols.recvmmsgOnThread(
          fd,
          requests,
          batch,
          MSG_WAITFORONE,
          null,
        )
        : libc.symbols.recvmmsg(fd, requests, batch, MSG_WAITFORONE, null);
      if (stopping) break;
      if (count < 0 && errno() === EINTR) continue;
      if (count < 0) throw new Error(`recvmmsg failed (errno ${errno()})`);
    }
    // Check each datagram as the shipped server does (lib/guards.ts: a
    // refused request gets no reply and no log line, and the first refusal a
    // line on stderr, written at once since this loop may never yield), set
    // its reply's length and log it; then answer them all in one sendmmsg.
    let answered = 0;
    for (let i = 0; i < count; i++) {
      const request = REQUESTS + i * MMSGHDR;
      const size = view.getUint32(request + MSG_LEN, true);
      const slot = SLOTS + i * SLOT;
      const data = memory.subarray(
        slot + prefix.length,
        slot + prefix.length + size,
      );
      const reply = memory.subarray(slot, slot + prefix.length + size);
      const from = readSender(i);
      // The kernel wrote the sender's length; the next receive needs room.
      const nameLength = view.getUint32(request + MSG_NAMELEN, true);
      view.setUint32(request + MSG_NAMELEN, SOCKADDR, true);
      const refused = refusalReason(local, from, data, reply);
      if (refused !== undefined) {
        if (!refusedBefore) noteRefusal(refused);
        refusedBefore = true;
        continue;
      }
      if (answered !== i) pointReply(answered, i);
      const header = REPLIES + answered * MMSGHDR;
      view.setUint32(header + MSG_NAMELEN, nameLength, true);
      view.setUint32(REPLY_IOVECS + i * IOVEC + 8, reply.length, true);
      answered++;
      // The line is the shipped server's; plain text is copied as bytes.
      if (options.log && !log.rawLine(lastHead, data)) {
        log.line(
          `Message[${lastShown}] - ${safeText(data, { trimEnd: true })}`,
        );
      }
    }
    for (let sent = 0; sent < answered;) {
      const done = libc.symbols.sendmmsg(
        fd,
        replies.subarray(sent * MMSGHDR),
        answered - sent,
        0,
      );
      sent += done > 0 ? done : 1; // a failed reply is skipped, not retried
    }
    if (answered !== count) {
      for (let k = 0; k < count; k++) pointReply(k, k);
    }
  }
  // #endregion loop
  if (options.log) log.flush();
}
