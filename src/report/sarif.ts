// SARIF 2.1.0: rules with descriptions, results with locations, one codeFlow per finding
// with a threadFlow per witness path (CPU0, CPU1, ...), partialFingerprints from the id.
import { relative, isAbsolute } from 'node:path';
import type { Finding, Severity } from './finding.js';
import type { CheckerMeta } from '../checkers/api.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

function uri(file: string, base: string): string {
  const rel = isAbsolute(file) ? relative(base, file) : file;
  return rel.split('\\').join('/').split('/').map(encodeURIComponent).join('/');
}

function physical(file: string, line: number, col: number | undefined, base: string) {
  return {
    artifactLocation: { uri: uri(file, base), uriBaseId: 'SRCROOT' },
    region: { startLine: Math.max(1, line), startColumn: Math.max(1, col ?? 1) },
  };
}

/** The model's interleaving as a second code flow: one thread flow per CPU, steps in global order. */
function traceFlow(f: Finding, base: string): object[] {
  const trace = f.confirmation.trace;
  if (!trace?.length) return [];
  const cpus = [...new Set(trace.map((t) => Math.max(0, t.cpu)))].sort((a, b) => a - b);
  return [
    {
      message: { text: `model ${f.confirmation.status}: ${f.confirmation.outcome ?? 'interleaving'}${Object.keys(f.confirmation.initialValues ?? {}).length ? ` from ${Object.entries(f.confirmation.initialValues!).map(([k, v]) => `${k} = ${v}`).join(', ')}` : ''}` },
      threadFlows: cpus.map((cpu) => ({
        id: `CPU${cpu}`,
        locations: trace
          .map((t, i) => ({ t, i }))
          .filter(({ t }) => Math.max(0, t.cpu) === cpu)
          .map(({ t, i }) => ({
            executionOrder: i + 1,
            location: {
              ...(t.file && t.line ? { physicalLocation: physical(t.file, t.line, undefined, base) } : {}),
              message: { text: `${t.code ?? t.op}${t.note ? ` (${t.note})` : ''}` },
            },
          })),
      })),
    },
  ];
}

export function toSarif(findings: Finding[], rules: CheckerMeta[], version: string, base = process.cwd()): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'lockcheck',
            informationUri: 'https://github.com/lockcheck/lockcheck',
            semanticVersion: version,
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.description.split(/(?<=[.:])\s/)[0]! },
              fullDescription: { text: r.description },
              defaultConfiguration: { level: LEVEL[r.severity], enabled: r.defaultOn },
              properties: { category: r.category, tags: [r.category, 'concurrency'] },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `file://${base.endsWith('/') ? base : base + '/'}` } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule)! } : {}),
          level: LEVEL[f.severity],
          message: { text: f.confirmation.status === 'refuted' ? `${f.message} (refuted by the model because ${f.confirmation.reason ?? 'no interleaving of its model shows it'})` : f.message },
          locations: [
            {
              physicalLocation: physical(f.file, f.line, f.col, base),
              logicalLocations: [{ name: f.function, kind: 'function' }],
            },
          ],
          partialFingerprints: { 'lockcheck/v1': f.id },
          ...(f.baselineState ? { baselineState: f.baselineState } : {}),
          codeFlows: [
            ...(f.witness.length
              ? [
                  {
                    message: { text: f.witness.map((w) => w.label).join(' | ') },
                    threadFlows: f.witness.map((w) => ({
                      id: w.label,
                      message: { text: `${w.label}: ${w.callChain.join(' -> ')}` },
                      locations: w.steps.map((s) => ({
                        location: { physicalLocation: physical(s.file, s.line, s.col, base), message: { text: `${s.function}: ${s.event}` } },
                      })),
                    })),
                  },
                ]
              : []),
            ...traceFlow(f, base),
          ],
          properties: { category: f.category, functions: f.functions, locks: f.locks, confirmation: f.confirmation, ...(f.change ? { change: f.change } : {}) },
        })),
      },
    ],
  };
}
