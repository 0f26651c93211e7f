// SARIF 2.1.0: rules with descriptions, results with locations, one codeFlow per finding
// with a threadFlow per witness path (CPU0, CPU1, ...), partialFingerprints from the id.
import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, InputError, Severity } from './finding.js';
import type { CheckerMeta } from '../checkers/api.js';
import { chainText } from './chain.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

/** Where the rule is documented (`docs/rules.md`, one section per rule id). */
export const RULES_DOC = 'https://github.com/lockcheck/lockcheck/blob/main/docs/rules.md';

/** A file's location: relative to SRCROOT when inside it, else an absolute file: URI. */
function artifact(file: string, base: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(file);
  const rel = relative(base, abs);
  if (rel.startsWith('..') || rel === '' || resolve(base, rel) !== abs) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).join('/').split('/').map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
}

function physical(file: string, line: number, col: number | undefined, base: string) {
  return {
    artifactLocation: artifact(file, base),
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

export interface SarifOptions {
  /** The directory result URIs are relative to (`--srcroot`; default: the current directory). */
  srcroot?: string;
  /** The run's exit code and input errors, recorded in `invocations`. */
  exitCode?: number;
  errors?: InputError[];
}

/** The common directory of the inputs: the default SRCROOT. */
export function commonRoot(paths: readonly string[]): string {
  const parts = paths.map((p) => resolve(p).split(sep));
  if (!parts.length) return process.cwd();
  let n = parts[0]!.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === parts[0]![i]) i++;
    n = i;
  }
  const root = parts[0]!.slice(0, n).join(sep) || sep;
  // file inputs only (or one file): their directory
  try {
    return statSync(root).isFile() ? dirname(root) : root;
  } catch {
    return root;
  }
}

export function toSarif(findings: Finding[], rules: CheckerMeta[], version: string, options: SarifOptions | string = {}): object {
  const opts: SarifOptions = typeof options === 'string' ? { srcroot: options } : options;
  const base = resolve(opts.srcroot ?? process.cwd());
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
              shortDescription: { text: r.description.split(/(?<=\.)\s/)[0]! },
              fullDescription: { text: r.description },
              help: { text: `${r.description} See ${RULES_DOC}#${r.id}.` },
              helpUri: `${RULES_DOC}#${r.id}`,
              defaultConfiguration: { level: LEVEL[r.severity], enabled: r.defaultOn },
              properties: { category: r.category, tags: [r.category, 'concurrency'] },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(base.endsWith(sep) ? base : base + sep).href } },
        ...(opts.exitCode !== undefined || opts.errors
          ? {
              invocations: [
                {
                  executionSuccessful: opts.exitCode === undefined || opts.exitCode < 2,
                  ...(opts.exitCode !== undefined ? { exitCode: opts.exitCode } : {}),
                  toolExecutionNotifications: (opts.errors ?? []).map((e) => ({
                    level: 'error',
                    message: { text: `${e.file}: ${e.reason}` },
                    locations: [{ physicalLocation: { artifactLocation: artifact(e.file, base) } }],
                  })),
                },
              ],
            }
          : {}),
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
                      message: { text: `${w.label}: ${chainText(w)}` },
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
