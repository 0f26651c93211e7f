// One file's facts through the cache: hash the bytes, serve a stored entry, or extract under
// the placeholder label, store, and relabel. Errors (unreadable, binary, an extraction that
// throws) are not cached: they are cheap to find again.
import { extractFile, type FileFacts } from '../frontend/file-facts.js';
import { decodeSource, readBytes } from '../ingest/files.js';
import type { RuleSet } from '../rules/load.js';
import type { Defines } from '../ir/preproc-cond.js';
import { contextKey, entryKey } from './key.js';
import { PLACEHOLDER, relabel } from './relabel.js';
import { FactsStore, noCounts, type CacheCounts } from './store.js';

const stores = new Map<string, FactsStore>();

/** This thread's store for `dir` (its counters are taken by `takeCounts`). */
export function storeFor(dir: string): FactsStore {
  let s = stores.get(dir);
  if (!s) stores.set(dir, (s = new FactsStore(dir)));
  return s;
}

let memo: { rules: RuleSet; defines: Defines | undefined; context: string } | undefined;

export type Extracted = { facts: FileFacts; hit: boolean } | { reason: string };

function keyOf(bytes: Uint8Array, rules: RuleSet, defines: Defines | undefined): string {
  if (memo?.rules !== rules || memo.defines !== defines) memo = { rules, defines, context: contextKey(rules, defines) };
  return entryKey(memo.context, bytes);
}

/**
 * `lookup` false: the caller already looked the file up and missed (the main thread looks up
 * every file before handing the misses to worker threads), so only extract and store.
 */
export function extractCached(file: string, bytes: Uint8Array, rules: RuleSet, defines: Defines | undefined, store: FactsStore, lookup = true): Extracted {
  const key = keyOf(bytes, rules, defines);
  const cached = lookup ? store.get(key) : undefined;
  if (cached) return { facts: relabel(cached, file), hit: true };
  const src = decodeSource(bytes);
  if ('reason' in src) return src;
  if (src.text.includes('\u0000')) return { facts: extractFile(file, src.text, rules, defines), hit: false };
  const facts = extractFile(PLACEHOLDER, src.text, rules, defines);
  store.put(key, facts);
  return { facts: relabel(facts, file), hit: false };
}

/**
 * The facts of every file the cache holds, by index in `files` (undefined: a miss, or a file
 * that cannot be read, left for the extraction to report). Run in the thread that needs the
 * facts: a hit costs one deserialization here, where through a worker it would cost two.
 */
export function lookupMany(files: string[], rules: RuleSet, defines: Defines | undefined, dir: string, onProgress?: (done: number) => void): { found: (FileFacts | undefined)[]; counts: CacheCounts } {
  const store = storeFor(dir);
  const before = { ...store.counts };
  const found: (FileFacts | undefined)[] = [];
  files.forEach((file, i) => {
    const src = readBytes(file);
    const cached = 'bytes' in src ? store.get(keyOf(src.bytes, rules, defines)) : undefined;
    found.push(cached ? relabel(cached, file) : undefined);
    if (onProgress && (i + 1) % 64 === 0) onProgress(i + 1);
  });
  const counts = noCounts();
  for (const k of ['hits', 'misses', 'unreadable', 'written'] as const) counts[k] = store.counts[k] - before[k];
  return { found, counts };
}
