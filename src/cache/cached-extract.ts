// One file's facts through the cache: hash the bytes, serve a stored entry, or extract under
// the placeholder label, store, and relabel. Errors (unreadable, binary, an extraction that
// throws) are not cached: they are cheap to find again.
import { extractFile, type FileFacts } from '../frontend/file-facts.js';
import { decodeSource } from '../ingest/files.js';
import type { RuleSet } from '../rules/load.js';
import type { Defines } from '../ir/preproc-cond.js';
import { contextKey, entryKey } from './key.js';
import { PLACEHOLDER, relabel } from './relabel.js';
import { FactsStore } from './store.js';

const stores = new Map<string, FactsStore>();

/** This thread's store for `dir` (its counters are taken by `takeCounts`). */
export function storeFor(dir: string): FactsStore {
  let s = stores.get(dir);
  if (!s) stores.set(dir, (s = new FactsStore(dir)));
  return s;
}

let memo: { rules: RuleSet; defines: Defines | undefined; context: string } | undefined;

export type Extracted = { facts: FileFacts; hit: boolean } | { reason: string };

export function extractCached(file: string, bytes: Uint8Array, rules: RuleSet, defines: Defines | undefined, store: FactsStore): Extracted {
  if (memo?.rules !== rules || memo.defines !== defines) memo = { rules, defines, context: contextKey(rules, defines) };
  const key = entryKey(memo.context, bytes);
  const cached = store.get(key);
  if (cached) return { facts: relabel(cached, file), hit: true };
  const src = decodeSource(bytes);
  if ('reason' in src) return src;
  if (src.text.includes('\u0000')) return { facts: extractFile(file, src.text, rules, defines), hit: false };
  const facts = extractFile(PLACEHOLDER, src.text, rules, defines);
  store.put(key, facts);
  return { facts: relabel(facts, file), hit: false };
}
