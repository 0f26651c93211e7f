// Worker-thread task: parse files and build their IR. Loaded by piscina from dist/.
import { extractFile, type FileFacts } from '../frontend/file-facts.js';
import { decodeSource, readBytes } from '../ingest/files.js';
import { loadRules, type RuleSet } from '../rules/load.js';
import type { InputError } from '../report/finding.js';
import { stripFiles } from './transfer.js';
import type { Defines } from '../ir/preproc-cond.js';
import { releaseNativeMemory } from './native-memory.js';
import { extractCached, storeFor } from '../cache/cached-extract.js';
import { addCounts, noCounts, type CacheCounts } from '../cache/store.js';

export interface ExtractTask {
  files: string[];
  rulesDirs: string[];
  /** The build's defines (`-D`), choosing `#ifdef` arms. */
  defines?: Record<string, string>;
  /** The facts cache directory (none: no cache). */
  cacheDir?: string;
  /** The files were looked up already and missed: only store their facts. */
  storeOnly?: boolean;
}

export interface ExtractResult {
  facts: FileFacts[];
  errors: InputError[];
  /** With a cache: what it served and stored. */
  cache?: CacheCounts;
}

export type ByteReader = (f: string) => { bytes: Uint8Array } | { reason: string };

const ruleCache = new Map<string, RuleSet>();

export function extractMany(files: string[], rules: RuleSet, read: ByteReader = readBytes, defines?: Defines, cacheDir?: string, storeOnly = false): ExtractResult {
  const out: ExtractResult = { facts: [], errors: [] };
  const store = cacheDir ? storeFor(cacheDir) : undefined;
  const before = store ? { ...store.counts } : undefined;
  for (const file of files) {
    const src = read(file);
    if ('reason' in src) {
      out.errors.push({ file, reason: src.reason });
      continue;
    }
    try {
      if (store) {
        const r = extractCached(file, src.bytes, rules, defines, store, !storeOnly);
        if ('reason' in r) out.errors.push({ file, reason: r.reason });
        else out.facts.push(r.facts);
        continue;
      }
      const text = decodeSource(src.bytes);
      if ('reason' in text) out.errors.push({ file, reason: text.reason });
      else out.facts.push(extractFile(file, text.text, rules, defines));
    } catch (e) {
      out.errors.push({ file, reason: `could not be analyzed: ${(e as Error).message}` });
    }
  }
  if (store && before) {
    const c = noCounts();
    for (const k of ['hits', 'misses', 'unreadable', 'written'] as const) c[k] = store.counts[k] - before[k];
    out.cache = c;
  }
  return out;
}

/** Like extractMany, yielding now and then so tree-sitter's native memory is given back. */
export async function extractManyAsync(files: string[], rules: RuleSet, defines?: Defines, cacheDir?: string, storeOnly = false): Promise<ExtractResult> {
  const out: ExtractResult = { facts: [], errors: [] };
  for (const file of files) {
    const r = extractMany([file], rules, readBytes, defines, cacheDir, storeOnly);
    out.facts.push(...r.facts);
    out.errors.push(...r.errors);
    if (r.cache) out.cache = addCounts(out.cache ?? noCounts(), r.cache);
    const last = r.facts[r.facts.length - 1];
    // a cache hit parsed nothing
    await releaseNativeMemory(last && !r.cache?.hits ? last.lines * 40 : 0);
  }
  return out;
}

export default async function run(task: ExtractTask): Promise<ExtractResult> {
  const key = task.rulesDirs.join('\0');
  let rules = ruleCache.get(key);
  if (!rules) ruleCache.set(key, (rules = loadRules(task.rulesDirs)));
  const out = await extractManyAsync(task.files, rules, task.defines ? new Map(Object.entries(task.defines)) : undefined, task.cacheDir, task.storeOnly);
  stripFiles(out.facts);
  return out;
}
