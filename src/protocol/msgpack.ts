// msgpack encoder for action hashing, byte-identical to the venue's (Python `msgpack` / Rust `rmp-serde`) and
// to `@msgpack/msgpack` v3 with `ignoreUndefined: true` on every value an action can hold:
// - maps in insertion order (Object.keys order), keys whose value is `undefined` skipped;
// - integers in the smallest form (fixint, uint8/16/32/64, int8/16/32/64), so integers ≥ 2^32 are uint64;
// - strings as fixstr/str8/str16/str32 of their UTF-8 bytes; booleans c2/c3; null c0.
// Deliberately stricter than @msgpack/msgpack where the venue could never accept the value: fractional,
// non-finite or unsafe-integer numbers throw (an action never holds floats: prices and sizes are strings, and
// an integer above 2^53 cannot be represented exactly), as do `undefined` array items and non-plain objects.
// A bigint is encoded in its smallest integer form, as Python encodes an int (@msgpack/msgpack's
// `useBigInt64` would always use 9 bytes). It writes into a reusable buffer so that hashing allocates nothing.
import { ProtocolError } from './errors.ts';

/** A value an action cannot contain (float, unsafe integer, undefined array item, class instance…). */
export class MsgpackEncodeError extends ProtocolError {
  constructor(message: string) {
    super('msgpack_unencodable', message);
    this.name = 'MsgpackEncodeError';
  }
}

const MAX_DEPTH = 64;

/** A growable byte buffer with msgpack and raw big-endian writers. Reuse one per hot path; call reset(). */
export class MsgpackWriter {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialSize = 1024) {
    this.bytes = new Uint8Array(initialSize);
    this.view = new DataView(this.bytes.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset, as a view into the internal buffer (valid until the next write). */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  writeU8(b: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = b;
  }

  writeBytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  /** Unsigned 64-bit big-endian from a non-negative safe integer (no msgpack type byte). */
  writeU64BE(n: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, Math.floor(n / 0x100000000));
    this.view.setUint32(this.pos + 4, n >>> 0);
    this.pos += 8;
  }

  /** Appends the msgpack encoding of `value`. */
  writeValue(value: unknown, depth = 0): void {
    switch (typeof value) {
      case 'string':
        this.writeString(value);
        return;
      case 'number':
        this.writeNumber(value);
        return;
      case 'boolean':
        this.writeU8(value ? 0xc3 : 0xc2);
        return;
      case 'bigint':
        this.writeBigInt(value);
        return;
      case 'object':
        if (value === null) {
          this.writeU8(0xc0);
          return;
        }
        if (depth >= MAX_DEPTH) throw new MsgpackEncodeError('value nested too deeply');
        if (Array.isArray(value)) {
          this.writeArray(value, depth);
          return;
        }
        if (value instanceof Uint8Array) {
          this.writeBin(value);
          return;
        }
        this.writeMap(value as Record<string, unknown>, depth);
        return;
      default:
        throw new MsgpackEncodeError(`cannot encode a value of type ${typeof value}`);
    }
  }

  writeNumber(n: number): void {
    if (!Number.isSafeInteger(n)) {
      throw new MsgpackEncodeError(`not an exactly representable integer: ${n} (actions carry no floats)`);
    }
    this.ensure(9);
    const b = this.bytes;
    const v = this.view;
    let p = this.pos;
    if (n >= 0) {
      if (n < 0x80) b[p++] = n;
      else if (n < 0x100) {
        b[p++] = 0xcc;
        b[p++] = n;
      } else if (n < 0x10000) {
        b[p++] = 0xcd;
        v.setUint16(p, n);
        p += 2;
      } else if (n < 0x100000000) {
        b[p++] = 0xce;
        v.setUint32(p, n);
        p += 4;
      } else {
        b[p++] = 0xcf;
        v.setUint32(p, Math.floor(n / 0x100000000));
        v.setUint32(p + 4, n >>> 0);
        p += 8;
      }
    } else if (n >= -0x20) b[p++] = 0xe0 | (n + 0x20);
    else if (n >= -0x80) {
      b[p++] = 0xd0;
      v.setInt8(p, n);
      p += 1;
    } else if (n >= -0x8000) {
      b[p++] = 0xd1;
      v.setInt16(p, n);
      p += 2;
    } else if (n >= -0x80000000) {
      b[p++] = 0xd2;
      v.setInt32(p, n);
      p += 4;
    } else {
      b[p++] = 0xd3;
      v.setBigInt64(p, BigInt(n));
      p += 8;
    }
    this.pos = p;
  }

  writeBigInt(n: bigint): void {
    if (n >= -0x80000000n && n < 0x100000000n) {
      this.writeNumber(Number(n));
      return;
    }
    this.ensure(9);
    if (n >= 0n) {
      if (n > 0xffffffffffffffffn) throw new MsgpackEncodeError(`integer out of uint64 range: ${n}`);
      this.bytes[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, n);
    } else {
      if (n < -0x8000000000000000n) throw new MsgpackEncodeError(`integer out of int64 range: ${n}`);
      this.bytes[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, n);
    }
    this.pos += 9;
  }

  writeString(s: string): void {
    const len = s.length;
    // ASCII fast path: byte length = character count, one byte per character.
    let ascii = true;
    for (let i = 0; i < len; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const utf8 = textEncoder.encode(s);
      this.writeStrHeader(utf8.length);
      this.writeBytes(utf8);
      return;
    }
    this.writeStrHeader(len);
    this.ensure(len);
    const b = this.bytes;
    let p = this.pos;
    for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private writeStrHeader(n: number): void {
    this.ensure(5);
    if (n < 32) this.bytes[this.pos++] = 0xa0 | n;
    else if (n < 0x100) {
      this.bytes[this.pos++] = 0xd9;
      this.bytes[this.pos++] = n;
    } else if (n < 0x10000) {
      this.bytes[this.pos] = 0xda;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      this.bytes[this.pos] = 0xdb;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }

  private writeBin(data: Uint8Array): void {
    const n = data.length;
    this.ensure(5);
    if (n < 0x100) {
      this.bytes[this.pos++] = 0xc4;
      this.bytes[this.pos++] = n;
    } else if (n < 0x10000) {
      this.bytes[this.pos] = 0xc5;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      this.bytes[this.pos] = 0xc6;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
    this.writeBytes(data);
  }

  private writeArray(items: readonly unknown[], depth: number): void {
    const n = items.length;
    this.writeContainerHeader(n, 0x90, 0xdc);
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (item === undefined) throw new MsgpackEncodeError(`undefined array item at index ${i}`);
      this.writeValue(item, depth + 1);
    }
  }

  private writeMap(obj: Record<string, unknown>, depth: number): void {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new MsgpackEncodeError(`cannot encode an object of class ${proto?.constructor?.name ?? '?'}`);
    }
    const keys = Object.keys(obj);
    let count = 0;
    for (let i = 0; i < keys.length; i++) if (obj[keys[i]] !== undefined) count++;
    this.writeContainerHeader(count, 0x80, 0xde);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = obj[key];
      if (value === undefined) continue;
      this.writeString(key);
      this.writeValue(value, depth + 1);
    }
  }

  /** fix (< 16) / 16-bit / 32-bit header; the 32-bit type byte is the 16-bit one + 1 for both arrays and maps. */
  private writeContainerHeader(n: number, fixBase: number, type16: number): void {
    this.ensure(5);
    if (n < 16) this.bytes[this.pos++] = fixBase | n;
    else if (n < 0x10000) {
      this.bytes[this.pos] = type16;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      this.bytes[this.pos] = type16 + 1;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }
}

const textEncoder = new TextEncoder();

/** msgpack bytes of `value` as a new array (convenience; the signer uses a reused MsgpackWriter). */
export function encodeMsgpack(value: unknown): Uint8Array {
  const w = new MsgpackWriter(256);
  w.writeValue(value);
  return w.bytes.slice(0, w.pos);
}
