/**
 * Unpacking dropped archives (zip, gzip) under a decompression budget, without trusting them.
 *
 * A zip bomb is stopped twice: before any member is inflated, the sizes its central directory declares
 * are summed and checked against the budget; while inflating, each member is fed to fflate's streaming
 * `Inflate` in small slices and the actual output is counted, so a member that lies about its size is
 * stopped after at most one slice's worth of output (≤ 64 kB in, ≈ 66 MB out at deflate's maximum
 * ratio; slices shrink as the budget runs out). Gzip likewise: the trailer's declared size first, then
 * counted streaming output.
 */
import { Gunzip, Inflate } from 'fflate';
import { formatBytes } from './validate.ts';

/** One dropped file: its path inside the dropped folder or archive (or just its name) and its bytes. */
export interface VirtualFile {
  path: string;
  bytes: Uint8Array;
}

/** The decompression budget of one load, shared by every archive in it. */
export interface InflateBudget {
  /** Bytes that may be produced in all (Limits.maxDecompressedBytes). */
  limit: number;
  /** Bytes produced so far. */
  used: number;
}

/** An archive's contents, or why it cannot be unpacked (a message for people). */
export type UnpackResult =
  { ok: true; files: VirtualFile[]; warnings: string[] } | { ok: false; message: string };

/** True when `bytes` start like a zip archive (local file header or an empty archive's end record). */
export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6))
  );
}

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Files an archiver or a desktop adds that are never data (macOS resource forks, Finder/Explorer files). */
export function isJunkPath(path: string): boolean {
  const parts = path.split('/');
  const base = parts[parts.length - 1] ?? '';
  return (
    parts.includes('__MACOSX') ||
    base.startsWith('._') ||
    base === '.DS_Store' ||
    base === 'Thumbs.db' ||
    base === 'desktop.ini'
  );
}

const limitText = (limit: number) =>
  `the ${formatBytes(limit)} limit on unpacked data (maxDecompressedBytes)`;

const SLICE_MAX = 64 * 1024;
const SLICE_MIN = 1024;
/** Deflate's largest possible expansion ratio (a little over 1032:1). */
const MAX_RATIO = 1032;

function sliceSize(remaining: number): number {
  return Math.max(SLICE_MIN, Math.min(SLICE_MAX, Math.floor(remaining / MAX_RATIO / 4)));
}

type Counted = { ok: true; bytes: Uint8Array } | { ok: false; over: boolean; message: string };

/** Streams `data` through `push`, counting output against the budget; stops as soon as it is exceeded. */
function streamCounted(
  data: Uint8Array,
  budget: InflateBudget,
  makeStream: (ondata: (chunk: Uint8Array) => void) => { push(chunk: Uint8Array, final?: boolean): void },
): Counted {
  const chunks: Uint8Array[] = [];
  let produced = 0;
  let over = false;
  const stream = makeStream((chunk) => {
    produced += chunk.length;
    if (budget.used + produced > budget.limit) over = true;
    else chunks.push(chunk);
  });
  try {
    if (data.length === 0) stream.push(data, true);
    for (let pos = 0; pos < data.length && !over;) {
      const end = Math.min(data.length, pos + sliceSize(budget.limit - budget.used - produced));
      stream.push(data.subarray(pos, end), end === data.length);
      pos = end;
    }
  } catch (err) {
    return { ok: false, over: false, message: err instanceof Error ? err.message : String(err) };
  }
  if (over) return { ok: false, over: true, message: '' };
  budget.used += produced;
  const out = new Uint8Array(produced);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { ok: true, bytes: out };
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const utf8 = new TextDecoder('utf-8');

/** Reads the end-of-central-directory record (zip64 aware). */
function readDirectory(
  bytes: Uint8Array,
  name: string,
): { ok: true; count: number; offset: number; size: number } | { ok: false; message: string } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string) => ({
    ok: false as const,
    message: `${name} is not a readable zip archive (${what}). Re-create the zip, or drop the folder itself.`,
  });
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) return corrupt('no end-of-archive record: the file is truncated or not a zip');
  let count = dv.getUint16(eocd + 10, true);
  let size = dv.getUint32(eocd + 12, true);
  let offset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff || size === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50) return corrupt('zip64 record missing');
    const z64 = Number(dv.getBigUint64(loc + 8, true));
    if (z64 + 56 > bytes.length || dv.getUint32(z64, true) !== 0x06064b50) {
      return corrupt('zip64 record out of range');
    }
    count = Number(dv.getBigUint64(z64 + 32, true));
    size = Number(dv.getBigUint64(z64 + 40, true));
    offset = Number(dv.getBigUint64(z64 + 48, true));
  }
  if (offset + size > bytes.length) return corrupt('central directory out of range: the file is truncated');
  return { ok: true, count, offset, size };
}

function readEntries(
  bytes: Uint8Array,
  name: string,
  offset: number,
  count: number,
): { ok: true; entries: CentralEntry[] } | { ok: false; message: string } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: CentralEntry[] = [];
  let p = offset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) {
      return {
        ok: false,
        message: `${name} has a damaged central directory (entry ${k + 1} of ${count}). Re-create the zip.`,
      };
    }
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const entryName = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extended information: only the fields whose 32-bit value is saturated, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd && e + 4 <= bytes.length) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let f = e + 4;
        const next = () => {
          const v = f + 8 <= e + 4 + len ? Number(dv.getBigUint64(f, true)) : -1;
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    entries.push({ name: entryName, flags, method, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return { ok: true, entries };
}

/** A member path without leading slashes, '.' or '..' segments (nothing is ever written to disk). */
function cleanPath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .join('/');
}

/**
 * Unpacks a zip archive (stored or Deflate members) under `budget`, refusing archives with more than
 * `maxEntries` files. Directory entries and desktop junk (`__MACOSX/`, `._*`, `.DS_Store`) are skipped
 * without inflating them. Never throws: a bomb, a corrupt or an encrypted archive comes back as
 * `{ ok: false, message }` naming the archive, the member and the limit.
 */
export function unzipArchive(
  bytes: Uint8Array,
  name: string,
  budget: InflateBudget,
  maxEntries: number,
): UnpackResult {
  try {
    const dir = readDirectory(bytes, name);
    if (!dir.ok) return dir;
    const read = readEntries(bytes, name, dir.offset, dir.count);
    if (!read.ok) return read;
    const members = read.entries.filter((e) => !e.name.endsWith('/') && !isJunkPath(cleanPath(e.name)));
    if (members.length > maxEntries) {
      return {
        ok: false,
        message: `${name} holds ${members.length} files, more than the limit of ${maxEntries} (maxEntries). Split the dataset or raise the limit.`,
      };
    }
    // 1. Declared sizes, before inflating anything.
    let declared = 0;
    let biggest: CentralEntry | null = null;
    for (const m of members) {
      declared += m.size;
      if (biggest === null || m.size > biggest.size) biggest = m;
    }
    if (biggest !== null && budget.used + declared > budget.limit) {
      return {
        ok: false,
        message: `${name} would unpack to ${formatBytes(declared)} (member '${biggest.name}' alone declares ${formatBytes(biggest.size)}), over ${limitText(budget.limit)}. Nothing was unpacked. Drop a smaller selection, or raise the limit if you trust this archive.`,
      };
    }
    // 2. Inflate each member, counting actual output.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const files: VirtualFile[] = [];
    for (const m of members) {
      if ((m.flags & 1) !== 0) {
        return {
          ok: false,
          message: `${name} is encrypted (member '${m.name}'); the lab cannot read password-protected zips. Unzip it and drop the folder.`,
        };
      }
      const p = m.localOffset;
      if (p + 30 > bytes.length || dv.getUint32(p, true) !== 0x04034b50) {
        return {
          ok: false,
          message: `${name} is damaged: member '${m.name}' has no local header where the directory says. Re-create the zip.`,
        };
      }
      const start = p + 30 + dv.getUint16(p + 26, true) + dv.getUint16(p + 28, true);
      const end = start + m.compressedSize;
      if (end > bytes.length) {
        return {
          ok: false,
          message: `${name} is truncated: member '${m.name}' needs bytes up to ${end} but the file has ${bytes.length}. Re-download or re-create the zip.`,
        };
      }
      const data = bytes.subarray(start, end);
      let out: Uint8Array;
      if (m.method === 0) {
        if (budget.used + data.length > budget.limit) {
          return {
            ok: false,
            message: `${name}: member '${m.name}' (${formatBytes(data.length)}) takes the unpacked total over ${limitText(budget.limit)}.`,
          };
        }
        budget.used += data.length;
        out = data.slice();
      } else if (m.method === 8) {
        const res = streamCounted(data, budget, (ondata) => new Inflate((chunk) => ondata(chunk)));
        if (!res.ok) {
          return {
            ok: false,
            message: res.over
              ? `${name}: member '${m.name}' inflates past ${limitText(budget.limit)} (it declared ${formatBytes(m.size)}); unpacking stopped. This looks like a zip bomb or a damaged archive.`
              : `${name}: member '${m.name}' is corrupt (${res.message}). Re-create the zip.`,
          };
        }
        out = res.bytes;
      } else {
        return {
          ok: false,
          message: `${name}: member '${m.name}' uses compression method ${m.method}, which the lab cannot unpack (it reads stored and Deflate members). Re-create the zip with standard compression.`,
        };
      }
      files.push({ path: cleanPath(m.name), bytes: out });
    }
    return { ok: true, files, warnings: [] };
  } catch (err) {
    return {
      ok: false,
      message: `${name} could not be unpacked (${err instanceof Error ? err.message : String(err)}). Re-create the zip, or drop the folder itself.`,
    };
  }
}

/**
 * Gunzips one file under `budget` (multi-member gzip allowed). The trailer's declared size (mod 2³²)
 * is checked first, then the actual output while streaming. Never throws.
 */
export function gunzipFile(
  bytes: Uint8Array,
  name: string,
  budget: InflateBudget,
): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  if (bytes.length >= 18) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const isize = dv.getUint32(bytes.length - 4, true);
    if (budget.used + isize > budget.limit) {
      return {
        ok: false,
        message: `${name} would unpack to at least ${formatBytes(isize)}, over ${limitText(budget.limit)}. Nothing was unpacked.`,
      };
    }
  }
  const res = streamCounted(bytes, budget, (ondata) => new Gunzip((chunk) => ondata(chunk)));
  if (res.ok) return res;
  return {
    ok: false,
    message: res.over
      ? `${name} inflates past ${limitText(budget.limit)}; unpacking stopped. This looks like a gzip bomb or a damaged file.`
      : `${name} is not a readable gzip file (${res.message}). Re-download it, or drop the uncompressed file.`,
  };
}
