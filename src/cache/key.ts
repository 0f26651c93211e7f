// Cache keys. An entry's key is sha256 over: the context key (lockcheck version, a hash of the
// code that extracts facts, the parser's versions, Node's, the loaded rule tables, the `-D`
// defines) and the file's bytes. Nothing else reaches a file's facts: extraction reads no other
// file, no `-I` option and no architecture (configurations are formed after extraction).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import type { RuleSet } from '../rules/load.js';
import type { Defines } from '../ir/preproc-cond.js';
import { VERSION } from '../report/version.js';

/** Bumped when the entry layout changes. */
export const FORMAT = 1;

// the modules a file's facts come from: any edit of them (a development build) is a new key
const CODE_DIRS = ['frontend', 'ir', 'rules', 'cache'];
const CODE_FILES = ['ingest/files', 'engine/worker', 'engine/transfer'];

let stamp: string | undefined;

/** What identifies the build that extracts: version, extraction code, tree-sitter and Node versions. */
export function codeStamp(): string {
  if (stamp) return stamp;
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const root = dirname(dirname(here));
  const h = createHash('sha256');
  h.update(`lockcheck ${VERSION} format ${FORMAT} node ${process.version}\n`);
  const files: string[] = [];
  for (const d of CODE_DIRS) {
    try {
      for (const f of readdirSync(join(root, d)).sort()) if (f.endsWith(ext)) files.push(join(d, f));
    } catch {
      files.push(d);
    }
  }
  for (const f of CODE_FILES) files.push(f + ext);
  for (const f of files) {
    h.update(`${f}\n`);
    try {
      h.update(readFileSync(join(root, f)));
    } catch {
      h.update('(missing)');
    }
  }
  const require = createRequire(import.meta.url);
  for (const pkg of ['tree-sitter', 'tree-sitter-c']) {
    try {
      h.update(`${pkg} ${(require(`${pkg}/package.json`) as { version: string }).version}\n`);
    } catch {
      h.update(`${pkg} ?\n`);
    }
  }
  return (stamp = h.digest('hex'));
}

const rulesHashes = new WeakMap<RuleSet, string>();

/** A hash of the rule tables' content (not of where they were read from). */
export function rulesHash(rules: RuleSet): string {
  let h = rulesHashes.get(rules);
  if (!h) {
    h = createHash('sha256').update(serialize({ ...rules, sources: [] })).digest('hex');
    rulesHashes.set(rules, h);
  }
  return h;
}

/** The part of every key shared by one run's files. */
export function contextKey(rules: RuleSet, defines?: Defines): string {
  const defs = defines ? [...defines.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return createHash('sha256').update(codeStamp()).update('\n').update(rulesHash(rules)).update('\n').update(JSON.stringify(defs)).digest('hex');
}

export function entryKey(context: string, bytes: Uint8Array): string {
  return createHash('sha256').update(context).update('\n').update(bytes).digest('hex');
}
