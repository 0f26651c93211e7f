// A stand-in for the engine: a finding for every `BUG(id,rule,severity)` marker in the changed
// files of the head tree whose id the base tree's copy of the file does not have. It reads the
// extracted trees, so it also proves the tarballs arrived.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, Severity } from '../../../src/report/finding.js';
import type { AnalyzerInput, PullRequestAnalyzer } from '../../../src/app/types.js';

const MARKER = /BUG\(([\w-]+),([\w-]+),(error|warning|note)\)/g;

function read(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return '';
  }
}

export function fakeFinding(id: string, rule: string, severity: Severity, file: string, line: number): Finding {
  return {
    id: `fake-${id}`,
    rule,
    category: 'lock-order',
    severity,
    file,
    line,
    function: `fn_${id.replace(/-/g, '_')}`,
    functions: [`fn_${id}`],
    locks: ['a->lock', 'b->lock'],
    message: `lock order inversion ${id}: a->lock then b->lock, elsewhere b->lock then a->lock`,
    witness: [
      { label: 'CPU0', callChain: ['entry0', `fn_${id}`], steps: [{ file, line, function: `fn_${id}`, event: 'acquire b->lock', code: 'spin_lock(&b->lock);' }] },
      { label: 'CPU1', callChain: ['entry1', 'other'], steps: [{ file, line: 1, function: 'other', event: 'acquire a->lock', code: 'spin_lock(&a->lock);' }] },
    ],
    confirmation: {
      status: 'confirmed',
      method: 'template',
      outcome: 'DEADLOCK',
      trace: [
        { cpu: 0, op: 'lock', code: 'spin_lock(&a->lock)' },
        { cpu: 1, op: 'lock', code: 'spin_lock(&b->lock)' },
        { cpu: 0, op: 'lock', code: 'spin_lock(&b->lock)' },
        { cpu: 1, op: 'lock', code: 'spin_lock(&a->lock)' },
      ],
    },
  };
}

export interface FakeAnalyzer extends PullRequestAnalyzer {
  inputs: AnalyzerInput[];
}

export function createFakeAnalyzer(opts: { delayMs?: number; hang?: boolean } = {}): FakeAnalyzer {
  const inputs: AnalyzerInput[] = [];
  const analyzer = (async (input: AnalyzerInput) => {
    inputs.push(input);
    if (opts.hang) await new Promise(() => undefined);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const findings: Finding[] = [];
    for (const file of input.changedFiles) {
      const baseIds = new Set([...read(input.baseDir, file).matchAll(MARKER)].map((m) => m[1]));
      read(input.headDir, file)
        .split('\n')
        .forEach((text, i) => {
          for (const m of text.matchAll(MARKER)) {
            if (!baseIds.has(m[1])) findings.push({ ...fakeFinding(m[1]!, m[2]!, m[3] as Severity, file, i + 1), change: 'introduced' });
          }
        });
    }
    return { findings, partial: false, errors: [] };
  }) as unknown as FakeAnalyzer;
  analyzer.inputs = inputs;
  return analyzer;
}
