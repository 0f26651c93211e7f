// Worker-thread task: parse files and build their IR. Loaded by piscina from dist/.
import { extractFile, type FileFacts } from '../frontend/file-facts.js';
import { readSource } from '../ingest/files.js';
import { loadRules, type RuleSet } from '../rules/load.js';
import type { InputError } from '../report/finding.js';
import { stripFiles } from './transfer.js';
import type { Defines } from '../ir/preproc-cond.js';
import { releaseNativeMemory } from './native-memory.js';

export interface ExtractTask {
  files: string[];
  rulesDirs: string[];
  /** The build's defines (`-D`), choosing `#ifdef` arms. */
  defines?: Record<string, string>;
}

export interface ExtractResult {
  facts: FileFacts[];
  errors: InputError[];
}

const ruleCache = new Map<string, RuleSet>();

export function extractMany(files: string[], rules: RuleSet, read: (f: string) => { text: string } | { reason: string } = readSource, defines?: Defines): ExtractResult {
  const out: ExtractResult = { facts: [], errors: [] };
  for (const file of files) {
    const src = read(file);
    if ('reason' in src) {
      out.errors.push({ file, reason: src.reason });
      continue;
    }
    try {
      out.facts.push(extractFile(file, src.text, rules, defines));
    } catch (e) {
      out.errors.push({ file, reason: `could not be analyzed: ${(e as Error).message}` });
    }
  }
  return out;
}

/** Like extractMany, yielding now and then so tree-sitter's native memory is given back. */
export async function extractManyAsync(files: string[], rules: RuleSet, defines?: Defines): Promise<ExtractResult> {
  const out: ExtractResult = { facts: [], errors: [] };
  for (const file of files) {
    const r = extractMany([file], rules, readSource, defines);
    out.facts.push(...r.facts);
    out.errors.push(...r.errors);
    const last = r.facts[r.facts.length - 1];
    await releaseNativeMemory(last ? last.lines * 40 : 0);
  }
  return out;
}

export default async function run(task: ExtractTask): Promise<ExtractResult> {
  const key = task.rulesDirs.join('\0');
  let rules = ruleCache.get(key);
  if (!rules) ruleCache.set(key, (rules = loadRules(task.rulesDirs)));
  const out = await extractManyAsync(task.files, rules, task.defines ? new Map(Object.entries(task.defines)) : undefined);
  stripFiles(out.facts);
  return out;
}
