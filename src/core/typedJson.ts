/**
 * JSON with typed arrays and non-finite numbers, bit-exact (checkpoints, run bundles).
 *
 * {@link stringifyWithTypedArrays} writes every Float32Array / Float64Array / Int32Array / Uint8Array as
 * `{"$typed": "Float32Array", "base64": "…"}` (its little-endian bytes in standard base64, so NaN payloads
 * and −0 survive) and every non-finite number as `{"$num": "Infinity" | "-Infinity" | "NaN"}` (plain JSON
 * would write null). {@link parseWithTypedArrays} reverses it. The base64 codec is our own (no btoa or
 * Buffer), so it runs in workers, pages and Node alike.
 */

// ---------------------------------------------------------------------------------------------------------
// base64 (RFC 4648, with padding), on bytes; no dependency on btoa/Buffer so it runs in workers and Node.
// ---------------------------------------------------------------------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]! + ALPHABET[(v >>> 6) & 63]! + ALPHABET[v & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (i < n) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (b0 << 16) | (b1 << 8);
    chunk += ALPHABET[v >>> 18]! + ALPHABET[(v >>> 12) & 63]!;
    chunk += i + 1 < n ? ALPHABET[(v >>> 6) & 63]! + '=' : '==';
  }
  parts.push(chunk);
  return parts.join('');
}

/** Bytes of a standard base64 string (padding required); throws on malformed input. */
export function base64ToBytes(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new RangeError('base64: length is not a multiple of 4');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => {
      const ch = s.charCodeAt(i + k);
      if (ch === 61 /* = */ && i + k >= s.length - pad) return 0;
      const d = ch < 128 ? DECODE[ch]! : -1;
      if (d < 0) throw new RangeError(`base64: invalid character at ${i + k}`);
      return d;
    });
    const v = (c[0]! << 18) | (c[1]! << 12) | (c[2]! << 6) | c[3]!;
    if (o < out.length) out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// JSON with typed arrays and non-finite numbers
// ---------------------------------------------------------------------------------------------------------

type TypedName = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint8Array';

function typedName(v: unknown): TypedName | null {
  if (v instanceof Float32Array) return 'Float32Array';
  if (v instanceof Float64Array) return 'Float64Array';
  if (v instanceof Int32Array) return 'Int32Array';
  if (v instanceof Uint8Array) return 'Uint8Array';
  return null;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/**
 * JSON text of any plain value holding typed arrays (Float32/Float64/Int32/Uint8) and non-finite
 * numbers, bit-exact (see the module doc for the encoding). `space` indents as in JSON.stringify
 * (default: none). Throws on a big-endian platform.
 */
export function stringifyWithTypedArrays(value: unknown, space?: number | string): string {
  if (!littleEndian()) throw new Error('typed JSON: the encoding assumes a little-endian platform');
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
      const t = typedName(v);
      if (t !== null) {
        const a = v as Float32Array | Float64Array | Int32Array | Uint8Array;
        return { $typed: t, base64: bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) };
      }
      return v;
    },
    space,
  );
}

/** Inverse of {@link stringifyWithTypedArrays}. */
export function parseWithTypedArrays(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o['$num'] === 'string' && Object.keys(o).length === 1) {
      const s = o['$num'];
      if (s === 'Infinity') return Number.POSITIVE_INFINITY;
      if (s === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (s === 'NaN') return Number.NaN;
      throw new RangeError(`typed JSON: unknown number ${s}`);
    }
    if (typeof o['$typed'] === 'string' && typeof o['base64'] === 'string') {
      const bytes = base64ToBytes(o['base64']);
      const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      switch (o['$typed']) {
        case 'Float32Array':
          return new Float32Array(buf);
        case 'Float64Array':
          return new Float64Array(buf);
        case 'Int32Array':
          return new Int32Array(buf);
        case 'Uint8Array':
          return new Uint8Array(buf);
        default:
          throw new RangeError(`typed JSON: unknown typed array ${String(o['$typed'])}`);
      }
    }
    return v;
  });
}
