import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, parseWithTypedArrays, stringifyWithTypedArrays } from './typedJson.ts';

const bits32 = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('base64', () => {
  it('matches the RFC 4648 test vectors', () => {
    const enc = (s: string) => bytesToBase64(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc)).toEqual([
      '',
      'Zg==',
      'Zm8=',
      'Zm9v',
      'Zm9vYg==',
      'Zm9vYmE=',
      'Zm9vYmFy',
    ]);
    const dec = (s: string) => new TextDecoder().decode(base64ToBytes(s));
    expect(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy'].map(dec)).toEqual([
      '',
      'f',
      'fo',
      'foo',
      'foob',
      'fooba',
      'foobar',
    ]);
  });

  it('agrees with Node for every length 0…300 and a large buffer (chunked output), and round-trips', () => {
    for (const n of [...Array.from({ length: 301 }, (_, i) => i), 10_007, 70_001]) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = ((i + n) * 2654435761) >>> 24;
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(b64)).toEqual(bytes);
    }
  });

  it('refuses malformed text, saying why', () => {
    expect(() => base64ToBytes('abc')).toThrow(/multiple of 4/);
    expect(() => base64ToBytes('ab!=')).toThrow(/invalid character at 2/);
    expect(() => base64ToBytes('ab=c')).toThrow(/invalid character at 2/);
    expect(() => base64ToBytes('abé=')).toThrow(/invalid character/);
  });
});

describe('typed JSON', () => {
  it('keeps typed arrays and non-finite numbers bit for bit (NaN payloads, −0, subnormals, views)', () => {
    const f32 = new Float32Array([1.5, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1e-45]);
    const u32 = new Uint32Array(f32.buffer);
    u32[2] = 0x7fc01234; // a NaN with a payload
    const value = {
      a: f32,
      b: new Float64Array([Math.PI, -0, NaN]),
      c: new Int32Array([-1, 2 ** 31 - 1, -(2 ** 31)]),
      u: new Uint8Array([0, 255, 7]),
      d: [Infinity, -Infinity, NaN, 0.1, -0],
      e: { nested: new Float32Array(f32.buffer, 4, 3) },
      s: 'text',
      n: null,
    };
    const text = stringifyWithTypedArrays(value);
    const back = parseWithTypedArrays(text) as typeof value;
    expect(back.a).toBeInstanceOf(Float32Array);
    expect(bits32(back.a)).toEqual(Array.from(u32));
    expect(back.b).toBeInstanceOf(Float64Array);
    expect(back.b[0]).toBe(Math.PI);
    expect(Object.is(back.b[1], -0)).toBe(true);
    expect(back.b[2]).toBeNaN();
    expect(back.c).toBeInstanceOf(Int32Array);
    expect(back.c).toEqual(value.c);
    expect(back.u).toBeInstanceOf(Uint8Array);
    expect(back.u).toEqual(value.u);
    expect(back.d).toEqual([Infinity, -Infinity, NaN, 0.1, 0]); // plain JSON numbers: −0 is written as 0
    expect(back.e.nested).toBeInstanceOf(Float32Array);
    expect(bits32(back.e.nested)).toEqual(Array.from(u32.subarray(1, 4)));
    expect(back.s).toBe('text');
    expect(back.n).toBeNull();
    // Each decoded array owns its buffer (a view's neighbours are not dragged along).
    expect(back.e.nested.buffer.byteLength).toBe(12);
  });

  it('writes the documented encoding', () => {
    const text = stringifyWithTypedArrays({ x: new Float32Array([1]), y: NaN, z: -Infinity });
    expect(JSON.parse(text)).toEqual({
      x: { $typed: 'Float32Array', base64: 'AACAPw==' },
      y: { $num: 'NaN' },
      z: { $num: '-Infinity' },
    });
  });

  it('passes pretty-printing through and leaves look-alike objects alone', () => {
    const value = { a: [1, 2], b: { $num: 'NaN', other: 1 }, c: { $typed: 'Float32Array' } };
    const text = stringifyWithTypedArrays(value, 2);
    expect(text).toContain('\n  "a": [');
    expect(parseWithTypedArrays(text)).toEqual(value);
  });

  it('refuses unknown tags with a "typed JSON:" message', () => {
    expect(() => parseWithTypedArrays('{"a":{"$num":"1e999"}}')).toThrow(/^typed JSON: unknown number 1e999/);
    expect(() => parseWithTypedArrays('{"a":{"$typed":"Int8Array","base64":""}}')).toThrow(
      /^typed JSON: unknown typed array Int8Array/,
    );
    expect(() => parseWithTypedArrays('{"a":{"$typed":"Float32Array","base64":"abc"}}')).toThrow(
      /multiple of 4/,
    );
    expect(() => parseWithTypedArrays('{')).toThrow(SyntaxError);
  });
});
