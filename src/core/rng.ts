/**
 * Seeded, explicitly passed pseudo-random numbers.
 *
 * Generator: **xoshiro128\*\*** 1.1 (D. Blackman & S. Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 47(4), 2021; reference C code https://prng.di.unimi.it/xoshiro128starstar.c).
 * 128 bits of state as four uint32 words, period 2^128 − 1, 32-bit outputs, passes BigCrush/PractRand,
 * and it needs only 32-bit integer operations (`Math.imul`, shifts), which JavaScript does exactly.
 *
 * Seeding follows the authors' recommendation: the seed is expanded with **SplitMix64** (reference
 * https://prng.di.unimi.it/splitmix64.c; G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014). Two SplitMix64 outputs give the four state words (low word first). Consecutive
 * SplitMix64 outputs are distinct (its output function is a bijection of a counter that never repeats within
 * 2^64 steps), so the 128-bit state can never be all zero, the one state xoshiro must avoid.
 *
 * String seeds are hashed to 64 bits with **FNV-1a 64** (Fowler–Noll–Vo, offset basis 0xcbf29ce484222325,
 * prime 0x100000001b3) over their UTF-8 bytes.
 *
 * Everything here is a pure function of a plain, JSON-serializable {@link RngState}: calls return the drawn
 * value(s) together with the *new* state and never mutate their inputs. A checkpoint stores the state with
 * `JSON.stringify` and `JSON.parse` restores it exactly (the words are integers < 2^32 and the cached normal
 * is a finite double, which JSON round-trips exactly). {@link Rng} is a small mutable convenience wrapper
 * around the same functions.
 *
 * Nothing here touches `Math.random` or any global state.
 *
 * Deliberate divergence from PyTorch: this is not torch's generator (CPU mt19937 / CUDA Philox), so a seed
 * here does not reproduce `torch.manual_seed(seed)` streams; it only promises determinism within this code.
 */

/** The four 32-bit state words of xoshiro128**, each an integer in [0, 2^32). */
export type RngWords = readonly [number, number, number, number];

/**
 * Plain, JSON-serializable generator state.
 *
 * - `algorithm`: tag so a checkpoint loader can reject foreign states.
 * - `s`: the xoshiro128** words (never all zero).
 * - `spareNormal`: the second standard normal produced by the last Marsaglia polar draw, or `null`.
 */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly s: RngWords;
  readonly spareNormal: number | null;
}

/** A seed: a safe integer (negative values are taken as 64-bit two's complement) or any string. */
export type RngSeed = number | string;

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

// ---------------------------------------------------------------------------------------------------------
// 64-bit helpers on (hi, lo) uint32 pairs (SplitMix64 and FNV-1a 64 need 64-bit wrap-around arithmetic).
// ---------------------------------------------------------------------------------------------------------

/** High 32 bits of the 64-bit product of two uint32 values (exact, via 16-bit limbs). */
function mulHi32(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** (aHi:aLo) · (bHi:bLo) mod 2^64, as [hi, lo]. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  const lo = Math.imul(aLo, bLo) >>> 0;
  const hi = (mulHi32(aLo, bLo) + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
  return [hi, lo];
}

/** (aHi:aLo) + (bHi:bLo) mod 2^64, as [hi, lo]. */
function add64(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  const loSum = aLo + bLo;
  const lo = loSum >>> 0;
  const carry = loSum >= TWO_32 ? 1 : 0;
  return [(aHi + bHi + carry) >>> 0, lo];
}

/** (hi:lo) >>> k for 0 < k < 32, as [hi, lo]. */
function shr64(hi: number, lo: number, k: number): [number, number] {
  return [hi >>> k, ((lo >>> k) | (hi << (32 - k))) >>> 0];
}

/**
 * One SplitMix64 step (reference splitmix64.c): `x += 0x9e3779b97f4a7c15; z = x;
 * z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb; return z ^ (z >> 31)`.
 * Returns [outHi, outLo, newStateHi, newStateLo].
 */
function splitMix64Step(hi: number, lo: number): [number, number, number, number] {
  const [xHi, xLo] = add64(hi, lo, 0x9e3779b9, 0x7f4a7c15);
  let zHi = xHi;
  let zLo = xLo;
  let [sHi, sLo] = shr64(zHi, zLo, 30);
  [zHi, zLo] = mul64((zHi ^ sHi) >>> 0, (zLo ^ sLo) >>> 0, 0xbf58476d, 0x1ce4e5b9);
  [sHi, sLo] = shr64(zHi, zLo, 27);
  [zHi, zLo] = mul64((zHi ^ sHi) >>> 0, (zLo ^ sLo) >>> 0, 0x94d049bb, 0x133111eb);
  [sHi, sLo] = shr64(zHi, zLo, 31);
  return [(zHi ^ sHi) >>> 0, (zLo ^ sLo) >>> 0, xHi, xLo];
}

/**
 * The first `count` outputs of SplitMix64 started from the 64-bit state `hi·2^32 + lo`, each as
 * `[hi, lo]` uint32 halves. Exported for the known-answer test against the reference implementation.
 */
export function splitMix64Sequence(hi: number, lo: number, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let sHi = hi >>> 0;
  let sLo = lo >>> 0;
  for (let i = 0; i < count; i++) {
    const [oHi, oLo, nHi, nLo] = splitMix64Step(sHi, sLo);
    out.push([oHi, oLo]);
    sHi = nHi;
    sLo = nLo;
  }
  return out;
}

/** UTF-8 bytes of a string (surrogate pairs combined; lone surrogates encoded as U+FFFD, as TextEncoder). */
function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      cp = 0xfffd;
    }
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return bytes;
}

/**
 * FNV-1a 64 over a byte sequence: `h = 0xcbf29ce484222325; for b: h = (h ^ b) * 0x100000001b3 mod 2^64`.
 * Returns [hi, lo]. Exported for its known-answer test.
 */
export function fnv1a64(bytes: readonly number[]): [number, number] {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const b of bytes) {
    lo = (lo ^ (b & 0xff)) >>> 0;
    [hi, lo] = mul64(hi, lo, 0x00000100, 0x000001b3);
  }
  return [hi, lo];
}

/** The 64-bit seed (as [hi, lo]) a {@link RngSeed} denotes. */
function seedTo64(seed: RngSeed): [number, number] {
  if (typeof seed === 'string') return fnv1a64(utf8Bytes(seed));
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`rng seed must be a safe integer or a string, got ${seed}`);
  }
  const lo = ((seed % TWO_32) + TWO_32) % TWO_32;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  return [hi, lo];
}

/** xoshiro128** state from a 64-bit SplitMix64 seed: words = lo/hi halves of its first two outputs. */
function stateFrom64(hi: number, lo: number): RngState {
  const [a, b] = splitMix64Sequence(hi, lo, 2) as [[number, number], [number, number]];
  return { algorithm: 'xoshiro128**', s: [a[1], a[0], b[1], b[0]], spareNormal: null };
}

/**
 * A fresh generator state for `seed`.
 *
 * Number seeds must be safe integers; they are read as the 64-bit two's-complement integer SplitMix64
 * starts from. String seeds are first hashed with FNV-1a 64 of their UTF-8 bytes. (So `createRng(7)` and
 * `createRng('7')` are different streams.)
 */
export function createRng(seed: RngSeed): RngState {
  const [hi, lo] = seedTo64(seed);
  return stateFrom64(hi, lo);
}

/**
 * A state built from four explicit xoshiro128** words (reduced mod 2^32), e.g. to run the reference
 * test vectors. Throws on the forbidden all-zero state.
 */
export function rngFromWords(words: readonly [number, number, number, number]): RngState {
  const s: RngWords = [words[0] >>> 0, words[1] >>> 0, words[2] >>> 0, words[3] >>> 0];
  if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  return { algorithm: 'xoshiro128**', s, spareNormal: null };
}

/**
 * True when `x` is a well-formed {@link RngState} (e.g. one read back from a checkpoint): the right
 * algorithm tag, four integer words in [0, 2^32) not all zero, and a finite or null spare normal.
 */
export function isRngState(x: unknown): x is RngState {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  if (r['algorithm'] !== 'xoshiro128**') return false;
  const s = r['s'];
  if (!Array.isArray(s) || s.length !== 4) return false;
  for (const w of s as unknown[]) {
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w >= TWO_32) return false;
  }
  if ((s as number[]).every((w) => w === 0)) return false;
  const spare = r['spareNormal'];
  return spare === null || (typeof spare === 'number' && Number.isFinite(spare));
}

// ---------------------------------------------------------------------------------------------------------
// Mutable working copy used inside one pure call (never escapes; results are returned as new states).
// ---------------------------------------------------------------------------------------------------------

class Cursor {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  spare: number | null;

  constructor(state: RngState) {
    [this.s0, this.s1, this.s2, this.s3] = state.s;
    this.spare = state.spareNormal;
  }

  /** xoshiro128** next(): result = rotl(s1 * 5, 7) * 9, then the xorshift/rotate state transition. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** (a·2^26 + b) / 2^53 with a, b the top 27 / 26 bits of two outputs: uniform on the 2^53-point grid. */
  uniform(): number {
    const a = this.u32() >>> 5;
    const b = this.u32() >>> 6;
    return (a * 67108864 + b) / TWO_53;
  }

  /** Uniform integer in [0, n) by rejection (no modulo bias); n an integer in [1, 2^53]. */
  int(n: number): number {
    if (n <= TWO_32) {
      // Largest multiple of n that is ≤ 2^32; outputs at or above it are rejected (probability < 1/2).
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = this.u32();
        if (x < limit) return x % n;
      }
    }
    const limit = TWO_53 - (TWO_53 % n);
    for (;;) {
      const x = (this.u32() >>> 11) * TWO_32 + this.u32(); // 21 + 32 = 53 random bits, exact
      if (x < limit) return x % n;
    }
  }

  /** Standard normal by the Marsaglia polar method; the second value of each pair is cached in `spare`. */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const factor = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * factor;
      return u * factor;
    }
  }

  freeze(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function checkCount(count: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${count}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pure API
// ---------------------------------------------------------------------------------------------------------

/**
 * Next 32-bit output of xoshiro128** (reference `next()`: `rotl(s[1] * 5, 7) * 9`), an integer in
 * [0, 2^32), and the advanced state. The cached spare normal is carried over unchanged.
 */
export function nextUint32(state: RngState): [number, RngState] {
  const c = new Cursor(state);
  const x = c.u32();
  return [x, c.freeze()];
}

/**
 * Uniform double in [0, 1) with 53 random bits: `(a·2^26 + b)·2^−53` where a and b are the top 27 and 26
 * bits of two consecutive 32-bit outputs (the `genrand_res53` construction of MT19937's reference code).
 * Every value k·2^−53, k = 0..2^53−1, has probability exactly 2^−53 (given ideal 32-bit outputs).
 */
export function nextUniform(state: RngState): [number, RngState] {
  const c = new Cursor(state);
  const x = c.uniform();
  return [x, c.freeze()];
}

/** Uniform double in [lo, hi): `lo + (hi − lo)·u` with u from {@link nextUniform}. */
export function nextUniformRange(state: RngState, lo: number, hi: number): [number, RngState] {
  const [u, next] = nextUniform(state);
  return [lo + (hi - lo) * u, next];
}

/**
 * Uniform integer in [0, n) without modulo bias, for an integer n in [1, 2^53].
 *
 * For n ≤ 2^32: draw a 32-bit x, reject x ≥ 2^32 − (2^32 mod n), return x mod n. The accepted range is a
 * whole number of copies of [0, n), so every residue is equally likely; the rejection probability is
 * < 1/2. Larger n use the same scheme on 53-bit integers (top 21 bits of one output, 32 of the next).
 */
export function nextInt(state: RngState, n: number): [number, RngState] {
  if (!Number.isSafeInteger(n) || n < 1 || n > TWO_53) {
    throw new RangeError(`nextInt: n must be an integer in [1, 2^53], got ${n}`);
  }
  const c = new Cursor(state);
  const x = c.int(n);
  return [x, c.freeze()];
}

/**
 * Normal deviate `mean + std·z`, z standard normal by the Marsaglia polar method: draw u, v uniform on
 * (−1, 1) until 0 < s = u² + v² < 1, then u·√(−2 ln s / s) and v·√(−2 ln s / s) are independent N(0, 1).
 * The first is returned; the second is cached in `state.spareNormal` (serializable) and returned by the
 * next normal draw, whatever its mean/std. Uniform or integer draws leave the cache untouched.
 */
export function nextNormal(state: RngState, mean = 0, std = 1): [number, RngState] {
  const c = new Cursor(state);
  const z = c.normal();
  return [mean + std * z, c.freeze()];
}

/** `count` independent uniforms in [0, 1) (as {@link nextUniform}, drawn in order). */
export function uniformArray(state: RngState, count: number): [number[], RngState] {
  checkCount(count, 'uniformArray count');
  const c = new Cursor(state);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = c.uniform();
  return [out, c.freeze()];
}

/** `count` independent N(mean, std²) deviates (as {@link nextNormal}, drawn in order, spare cache used). */
export function normalArray(state: RngState, count: number, mean = 0, std = 1): [number[], RngState] {
  checkCount(count, 'normalArray count');
  const c = new Cursor(state);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = mean + std * c.normal();
  return [out, c.freeze()];
}

/**
 * Fisher–Yates (Durstenfeld) shuffle of a *copy* of `items`: for i = n−1 down to 1, swap element i with a
 * uniform j ∈ [0, i] ({@link nextInt}). All n! orders are equally likely (given an ideal generator). The
 * input array is not modified.
 */
export function shuffle<T>(state: RngState, items: readonly T[]): [T[], RngState] {
  const out = items.slice();
  const c = new Cursor(state);
  for (let i = out.length - 1; i > 0; i--) {
    const j = c.int(i + 1);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return [out, c.freeze()];
}

/** A uniformly random permutation of 0..n−1: {@link shuffle} of [0, 1, …, n−1]. */
export function permutation(state: RngState, n: number): [number[], RngState] {
  checkCount(n, 'permutation n');
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return shuffle(state, ids);
}

/**
 * Splits off an independent child stream: two 32-bit outputs of the parent form a 64-bit seed that
 * SplitMix64 expands into the child's state (so the child is not a shifted window of the parent's output).
 * Returns `[child, advancedParent]`; successive splits give different children. The streams are
 * statistically independent (not provably disjoint — use {@link jump} for that).
 */
export function split(state: RngState): [RngState, RngState] {
  const c = new Cursor(state);
  const hi = c.u32();
  const lo = c.u32();
  return [stateFrom64(hi, lo), c.freeze()];
}

/**
 * A named child stream derived from the parent state *without advancing it*: the seed is FNV-1a 64 of the
 * parent's 16 state bytes (little-endian words) followed by the UTF-8 label, expanded by SplitMix64.
 * Same (state, label) → same child; different labels → independent children. Typical use:
 * `const root = createRng(seed); const initRng = fork(root, 'init'); const splitRng = fork(root, 'data-split')`,
 * which stays reproducible however many draws each consumer makes.
 */
export function fork(state: RngState, label: string): RngState {
  const bytes: number[] = [];
  for (const w of state.s) bytes.push(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
  const [hi, lo] = fnv1a64(bytes.concat(utf8Bytes(label)));
  return stateFrom64(hi, lo);
}

function polyJump(state: RngState, poly: readonly [number, number, number, number]): RngState {
  const c = new Cursor(state);
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (const word of poly) {
    for (let b = 0; b < 32; b++) {
      if ((word >>> b) & 1) {
        a0 ^= c.s0;
        a1 ^= c.s1;
        a2 ^= c.s2;
        a3 ^= c.s3;
      }
      c.u32();
    }
  }
  return { algorithm: 'xoshiro128**', s: [a0 >>> 0, a1 >>> 0, a2 >>> 0, a3 >>> 0], spareNormal: null };
}

/**
 * The reference `jump()`: the state 2^64 steps ahead (polynomial 0x8764000b, 0xf542d2d3, 0x6fa035c3,
 * 0x77f2db5b). `s, jump(s), jump(jump(s)), …` start provably non-overlapping subsequences of length 2^64.
 * The spare normal is dropped (it belongs to the original position).
 */
export function jump(state: RngState): RngState {
  return polyJump(state, [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b]);
}

/** The reference `long_jump()`: 2^96 steps ahead (polynomial 0xb523952e, 0x0b6f099f, 0xccf5a0ef, 0x1c580662). */
export function longJump(state: RngState): RngState {
  return polyJump(state, [0xb523952e, 0x0b6f099f, 0xccf5a0ef, 0x1c580662]);
}

/**
 * Mutable convenience wrapper around the pure functions above, for code that draws many values in
 * sequence. It only replaces its own internal state; `state` returns the current immutable snapshot (save
 * it in a checkpoint) and `Rng.fromState` resumes from one.
 */
export class Rng {
  private current: RngState;

  constructor(seedOrState: RngSeed | RngState) {
    this.current = typeof seedOrState === 'object' ? seedOrState : createRng(seedOrState);
  }

  /** Resumes from a saved snapshot (validated with {@link isRngState}). */
  static fromState(state: unknown): Rng {
    if (!isRngState(state)) throw new TypeError('Rng.fromState: not a valid xoshiro128** RngState');
    return new Rng(state);
  }

  /** Current state snapshot (plain data). */
  get state(): RngState {
    return this.current;
  }

  /** Next 32-bit output ({@link nextUint32}). */
  uint32(): number {
    return this.take(nextUint32(this.current));
  }

  /** Uniform in [0, 1) with 53 random bits ({@link nextUniform}). */
  uniform(): number {
    return this.take(nextUniform(this.current));
  }

  /** Uniform integer in [0, n) without modulo bias ({@link nextInt}). */
  int(n: number): number {
    return this.take(nextInt(this.current, n));
  }

  /** N(mean, std²) deviate, Marsaglia polar with cached spare ({@link nextNormal}). */
  normal(mean = 0, std = 1): number {
    return this.take(nextNormal(this.current, mean, std));
  }

  /** `count` N(mean, std²) deviates ({@link normalArray}). */
  normals(count: number, mean = 0, std = 1): number[] {
    return this.take(normalArray(this.current, count, mean, std));
  }

  /** Fisher–Yates shuffled copy of `items` ({@link shuffle}). */
  shuffle<T>(items: readonly T[]): T[] {
    return this.take(shuffle(this.current, items));
  }

  /** Uniform random permutation of 0..n−1 ({@link permutation}). */
  permutation(n: number): number[] {
    return this.take(permutation(this.current, n));
  }

  /** Independent child (see {@link split}); advances this generator. */
  split(): Rng {
    return new Rng(this.take(split(this.current)));
  }

  /** Named child (see {@link fork}); does not advance this generator. */
  fork(label: string): Rng {
    return new Rng(fork(this.current, label));
  }

  private take<T>(result: [T, RngState]): T {
    this.current = result[1];
    return result[0];
  }
}
