#!/usr/bin/env -S deno run --allow-ffi
/**
 * FAST-PATH STUDY, NOT ONE OF THE TUTORIAL PROGRAMS.
 *
 * An echo server that answers and logs exactly like `scripts/echo_server.ts`
 * (`OK...` + the same bytes back, one `Message[ADDR:PORT] - PAYLOAD` line per
 * datagram) but moves datagrams in batches with Linux's `recvmmsg` and
 * `sendmmsg`, called from TypeScript through `Deno.dlopen` on the C library:
 * one system call receives up to 64 datagrams, one answers them all.
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
 * Run:   deno run --allow-ffi bench/fast_path/ffi_echo_server.ts [--host 127.0.0.1] [--port 8888] [--nonblocking]
 * Talk:  deno run -N scripts/echo_client.ts   (or: nc -u 127.0.0.1 8888)
 *
 * @module
 */
import { CliError, runCommand, UsageError } from "../../lib/flags.ts";
import { flushOutput, printLine } from "../../lib/output.ts";
import { safeText } from "../../lib/text.ts";
import {
  formatAddress,
  MAX_REPLY_GROWTH,
  refusalReason,
} from "../../lib/udp.ts";

const COMMAND = {
  name: "ffi_echo_server",
  run: "deno run -N --allow-ffi bench/fast_path/ffi_echo_server.ts",
  summary:
    'Echo server on recvmmsg/sendmmsg through FFI (Linux): "OK..." and the same bytes.',
  flags: {
    host: {
      kind: "string",
      default: "127.0.0.1",
      help: "IP address to listen on (0.0.0.0 or :: exposes it)",
    },
    port: { kind: "port", default: 8888, help: "UDP port, 0 for any free one" },
    prefix: {
      kind: "string",
      default: "OK...",
      help: 'text put before each reply, at most 32 bytes; "" for plain echo',
    },
    nonblocking: {
      kind: "boolean",
      help: "wait on a helper thread, so Ctrl-C and timers keep working",
    },
  },
  notes: [
    "A study of Deno's fastest UDP path; needs --allow-ffi and Linux.",
  ],
} as const;

// #region layout
// 64-bit Linux: the numbers and struct layouts that recvmmsg/sendmmsg use.
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const MSG_DONTWAIT = 0x40;
const MSG_WAITFORONE = 0x10000;
const SHUT_RDWR = 2;
const EINTR = 4;

const BATCH = 64; // datagrams per system call, at most
const SLOT = 65_536; // receive buffer per datagram: any UDP payload fits
const MMSGHDR = 64; // struct mmsghdr: struct msghdr (56 bytes), then msg_len
const MSG_NAME = 0; // msghdr.msg_name: where the sender's address goes
const MSG_NAMELEN = 8; // msghdr.msg_namelen
const MSG_IOV = 16; // msghdr.msg_iov: the buffers
const MSG_IOVLEN = 24; // msghdr.msg_iovlen
const MSG_LEN = 56; // mmsghdr.msg_len: bytes received
const IOVEC = 16; // struct iovec: a pointer and a length
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

// #region memory
// All the memory the kernel reads and writes, in one block that lives as long
// as the program: request headers, reply headers, their buffer lists, the
// senders' addresses, the payloads, and the prefix.
const REQUESTS = 0;
const REPLIES = REQUESTS + BATCH * MMSGHDR;
const REQUEST_IOVECS = REPLIES + BATCH * MMSGHDR;
const REPLY_IOVECS = REQUEST_IOVECS + BATCH * IOVEC;
const ADDRESSES = REPLY_IOVECS + BATCH * 2 * IOVEC;
const PAYLOADS = ADDRESSES + BATCH * SOCKADDR;
const PREFIX = PAYLOADS + BATCH * SLOT;

const memory = new Uint8Array(PREFIX + MAX_REPLY_GROWTH);
const view = new DataView(memory.buffer);
const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(memory)));
const requests = memory.subarray(REQUESTS, REPLIES);
const replies = memory.subarray(REPLIES, REQUEST_IOVECS);

/** Writes, at `at`, a pointer to `offset` in `memory`. */
function setPointer(at: number, offset: number): void {
  view.setBigUint64(at, base + BigInt(offset), true);
}

// Request i receives into payload slot i and address slot i, for good.
for (let i = 0; i < BATCH; i++) {
  const header = REQUESTS + i * MMSGHDR;
  setPointer(header + MSG_NAME, ADDRESSES + i * SOCKADDR);
  setPointer(header + MSG_IOV, REQUEST_IOVECS + i * IOVEC);
  view.setBigUint64(header + MSG_IOVLEN, 1n, true);
  setPointer(REQUEST_IOVECS + i * IOVEC, PAYLOADS + i * SLOT);
  view.setBigUint64(REQUEST_IOVECS + i * IOVEC + 8, BigInt(SLOT), true);
}
// #endregion memory

// #region addresses
/** Fills address slot 0 with `host:port`, and returns its length in bytes. */
function writeSockaddr(host: string, port: number): number {
  const text = new TextEncoder().encode(`${host}\0`);
  const at = ADDRESSES;
  memory.fill(0, at, at + SOCKADDR);
  if (libc.symbols.inet_pton(AF_INET, text, memory.subarray(at + 4)) === 1) {
    view.setUint16(at, AF_INET, true);
    view.setUint16(at + 2, port); // network byte order: big-endian
    return 16;
  }
  if (libc.symbols.inet_pton(AF_INET6, text, memory.subarray(at + 8)) === 1) {
    view.setUint16(at, AF_INET6, true);
    view.setUint16(at + 2, port);
    return 28;
  }
  throw new UsageError(`--host must be an IP address here, not ${host}`);
}

const addressText = new Uint8Array(64);

/** Reads the address in slot `i` (a sockaddr_in or sockaddr_in6). */
function readSockaddr(i: number): Deno.NetAddr {
  const at = ADDRESSES + i * SOCKADDR;
  const port = view.getUint16(at + 2);
  if (view.getUint16(at, true) === AF_INET) {
    const [a, b, c, d] = memory.subarray(at + 4, at + 8);
    return { transport: "udp", hostname: `${a}.${b}.${c}.${d}`, port };
  }
  libc.symbols.inet_ntop(
    AF_INET6,
    memory.subarray(at + 8, at + 24),
    addressText,
    addressText.length,
  );
  const end = addressText.indexOf(0);
  const hostname = new TextDecoder().decode(addressText.subarray(0, end));
  return { transport: "udp", hostname, port };
}
// #endregion addresses

// #region reply
/**
 * Fills reply header `slot` to send the prefix and then payload `request`,
 * byte for byte and without copying, back to the address of `request`.
 */
function setReply(slot: number, request: number, prefixLength: number): void {
  const header = REPLIES + slot * MMSGHDR;
  const received = REQUESTS + request * MMSGHDR;
  const iovecs = REPLY_IOVECS + slot * 2 * IOVEC;
  setPointer(header + MSG_NAME, ADDRESSES + request * SOCKADDR);
  const nameLength = view.getUint32(received + MSG_NAMELEN, true);
  view.setUint32(header + MSG_NAMELEN, nameLength, true);
  setPointer(header + MSG_IOV, iovecs);
  view.setBigUint64(header + MSG_IOVLEN, 2n, true);
  setPointer(iovecs, PREFIX);
  view.setBigUint64(iovecs + 8, BigInt(prefixLength), true);
  setPointer(iovecs + IOVEC, PAYLOADS + request * SLOT);
  const payloadLength = view.getUint32(received + MSG_LEN, true);
  view.setBigUint64(iovecs + IOVEC + 8, BigInt(payloadLength), true);
}
// #endregion reply

if (import.meta.main) {
  await runCommand(COMMAND, async (flags) => {
    if (Deno.build.os !== "linux") {
      throw new UsageError("this example needs Linux (recvmmsg, sendmmsg)");
    }
    // #region listen
    const prefix = new TextEncoder().encode(flags.prefix);
    if (prefix.length > MAX_REPLY_GROWTH) {
      throw new UsageError(`--prefix may be at most ${MAX_REPLY_GROWTH} bytes`);
    }
    memory.set(prefix, PREFIX);
    const family = flags.host.includes(":") ? AF_INET6 : AF_INET;
    const fd = libc.symbols.socket(family, SOCK_DGRAM, 0);
    const length = writeSockaddr(flags.host, flags.port);
    if (fd < 0 || libc.symbols.bind(fd, memory.subarray(ADDRESSES), length)) {
      throw new CliError(
        `cannot listen on ${flags.host}:${flags.port} (errno ${errno()}); is the port taken? choose another with --port`,
      );
    }
    const size = new Uint32Array([SOCKADDR]);
    libc.symbols.getsockname(fd, memory.subarray(ADDRESSES), size);
    const local = readSockaddr(0);
    printLine(`ffi echo server listening on ${formatAddress(local)}`);
    flushOutput();
    let stopping = false;
    if (flags.nonblocking) {
      // Waking a recvmmsg blocked on another thread takes shutdown(), not close().
      const stop = () => {
        stopping = true;
        libc.symbols.shutdown(fd, SHUT_RDWR);
      };
      Deno.addSignalListener("SIGINT", stop);
      Deno.addSignalListener("SIGTERM", stop);
    }
    // #endregion listen

    // #region loop
    const senders: Deno.NetAddr[] = [];
    while (!stopping) {
      for (let i = 0; i < BATCH; i++) {
        view.setUint32(REQUESTS + i * MMSGHDR + MSG_NAMELEN, SOCKADDR, true);
      }
      // Take whatever is waiting; if nothing is, write the log, then wait.
      let count = libc.symbols.recvmmsg(
        fd,
        requests,
        BATCH,
        MSG_DONTWAIT,
        null,
      );
      if (count < 0) {
        flushOutput();
        count = flags.nonblocking
          ? await libc.symbols.recvmmsgOnThread(
            fd,
            requests,
            BATCH,
            MSG_WAITFORONE,
            null,
          )
          : libc.symbols.recvmmsg(fd, requests, BATCH, MSG_WAITFORONE, null);
        if (stopping) break;
        if (count < 0 && errno() === EINTR) continue;
        if (count < 0) throw new Error(`recvmmsg failed (errno ${errno()})`);
      }
      // Answer every sender a server may answer (as lib/udp.ts `reply` does,
      // but without its note on stderr), all in one sendmmsg.
      let answered = 0;
      for (let i = 0; i < count; i++) {
        senders[i] = readSockaddr(i);
        if (refusalReason(senders[i], local.port) !== undefined) continue;
        setReply(answered++, i, prefix.length);
      }
      if (answered > 0) libc.symbols.sendmmsg(fd, replies, answered, 0);
      for (let i = 0; i < count; i++) {
        const start = PAYLOADS + i * SLOT;
        const size = view.getUint32(REQUESTS + i * MMSGHDR + MSG_LEN, true);
        const text = safeText(memory.subarray(start, start + size), {
          trimEnd: true,
        });
        printLine(`Message[${formatAddress(senders[i])}] - ${text}`);
      }
    }
    // #endregion loop
  });
}
