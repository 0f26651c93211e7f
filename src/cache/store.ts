// The on-disk store: one file per entry, `<dir>/v<FORMAT>/<2 hex>/<key>`, holding
// gzip(v8.serialize(facts)). Written to a temporary file and renamed, so a concurrent run reads
// a whole entry or none. An entry that cannot be read back (torn by a crash, a disk error, an
// edited file: gzip's CRC catches most, the shape check the rest) counts as `unreadable`
// and is recomputed.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { deserialize, serialize } from 'node:v8';
import type { FileFacts } from '../frontend/file-facts.js';
import { FORMAT } from './key.js';
import { PLACEHOLDER } from './relabel.js';

/** What one run did with the cache (summed over threads: `stats.cache`). */
export interface CacheCounts {
  hits: number;
  misses: number;
  /** Entries found but not readable (recomputed and rewritten). */
  unreadable: number;
  /** Bytes of entries written. */
  written: number;
}

export function noCounts(): CacheCounts {
  return { hits: 0, misses: 0, unreadable: 0, written: 0 };
}

export function addCounts(a: CacheCounts, b: CacheCounts | undefined): CacheCounts {
  if (b) for (const k of ['hits', 'misses', 'unreadable', 'written'] as const) a[k] += b[k];
  return a;
}

export class FactsStore {
  readonly root: string;
  readonly counts = noCounts();
  private made = new Set<string>();
  private writable = true;

  constructor(dir: string) {
    this.root = join(dir, `v${FORMAT}`);
  }

  private path(key: string): string {
    return join(this.root, key.slice(0, 2), key);
  }

  /** The entry's facts (still labelled PLACEHOLDER), or undefined on a miss or an unreadable entry. */
  get(key: string): FileFacts | undefined {
    const p = this.path(key);
    let buf: Buffer;
    try {
      buf = readFileSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.counts.unreadable++;
      this.counts.misses++;
      return undefined;
    }
    try {
      const facts = deserialize(gunzipSync(buf)) as FileFacts;
      if (!facts || facts.file !== PLACEHOLDER || !Array.isArray(facts.functions) || typeof facts.lines !== 'number') throw new Error('not an entry');
      this.counts.hits++;
      try {
        // most recently used: eviction removes the oldest modification times first
        const now = new Date();
        utimesSync(p, now, now);
      } catch {
        // a read-only cache still serves hits
      }
      return facts;
    } catch {
      this.counts.unreadable++;
      this.counts.misses++;
      return undefined;
    }
  }

  /** Stores facts labelled PLACEHOLDER. Never throws: a cache that cannot be written is only slower. */
  put(key: string, facts: FileFacts): void {
    if (!this.writable) return;
    const p = this.path(key);
    const dir = join(this.root, key.slice(0, 2));
    const tmp = `${p}.${process.pid}.${threadId}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const data = gzipSync(serialize(facts), { level: 1 });
      if (!this.made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.made.add(dir);
      }
      writeFileSync(tmp, data);
      renameSync(tmp, p);
      this.counts.written += data.length;
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      this.writable = false;
    }
  }
}

/** Entries under `dir` (every format version) with size and modification time. */
function listEntries(dir: string): { path: string; size: number; mtime: number }[] {
  const out: { path: string; size: number; mtime: number }[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else out.push({ path: p, size: st.size, mtime: st.mtimeMs });
      } catch {
        // removed meanwhile by a concurrent run
      }
    }
  };
  walk(dir);
  return out;
}

export function cacheUsage(dir: string): { entries: number; bytes: number } {
  const all = listEntries(dir);
  return { entries: all.length, bytes: all.reduce((n, e) => n + e.size, 0) };
}

/** Removes the least recently used entries until the cache is at most 90 % of `maxBytes`. */
export function evict(dir: string, maxBytes: number): number {
  const all = listEntries(dir);
  let total = all.reduce((n, e) => n + e.size, 0);
  if (total <= maxBytes) return 0;
  all.sort((a, b) => a.mtime - b.mtime);
  let removed = 0;
  for (const e of all) {
    if (total <= maxBytes * 0.9) break;
    try {
      unlinkSync(e.path);
      removed++;
    } catch {
      // already gone
    }
    total -= e.size;
  }
  return removed;
}

export function clearCache(dir: string): void {
  for (const n of safeList(dir)) if (/^v\d+$/.test(n)) rmSync(join(dir, n), { recursive: true, force: true });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
