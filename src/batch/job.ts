// The unit of batch work: one message, as plain serializable data (a queue could carry it to
// another machine). `runMessageJob` ingests it and analyzes its patch; it never throws.
import { ingestRawMessage } from '../mail/ingest.js';
import { scanHeaders } from '../mail/message.js';
import type { IngestResult, RawMessage } from '../mail/types.js';
import { analyzePatch } from '../patch/analyze-patch.js';
import { loadRules, type RuleSet } from '../rules/load.js';
import type { MessageRecord } from './record.js';

export interface AnalysisSettings {
  tree?: string;
  allChanges?: boolean;
  rulesDirs?: string[];
  only?: string[];
  allRules?: boolean;
  /** lockcheck.yml `rules:` (and `--disable`): `off`, or a severity, per rule id or category. */
  ruleLevels?: Record<string, 'error' | 'warning' | 'note' | 'off'>;
  /** Confirm findings with models (default true). */
  confirm?: boolean;
  /** Diffs larger than this are skipped (`diff-too-large`). Default 2 MiB. */
  maxDiffBytes?: number;
  maxMessageBytes?: number;
  /** Without a tree, skip patches whose hunks name no rule-table API (default true). */
  apiPrefilter?: boolean;
  /** Read and write the per-file facts cache (default true; `--no-cache`). */
  cache?: boolean;
}

export interface MessageJob {
  raw: {
    index: number;
    bytes: Uint8Array;
    offset?: number;
    oversize?: number;
    sizeLimit?: number;
    truncated?: boolean;
    error?: string;
    source?: string;
  };
  settings: AnalysisSettings;
}

export const DEFAULT_MAX_DIFF_BYTES = 2 * 1024 * 1024;

const rulesCache = new Map<string, RuleSet>();
function rulesFor(dirs: string[]): RuleSet {
  const key = dirs.join('\0');
  let r = rulesCache.get(key);
  if (!r) rulesCache.set(key, (r = loadRules(dirs)));
  return r;
}

function base(r: IngestResult, source: string, index: number, ms: number): Omit<MessageRecord, 'status'> {
  const h = r.header;
  return {
    messageId: r.messageId,
    subject: r.subject,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
    findings: [],
    source,
    index,
    from: h?.fromAddress ?? r.patch?.message.fromAddress ?? '',
    ...(r.patch?.message.from ? { author: r.patch.message.from } : {}),
    ...(r.patch && (r.patch.message.to?.length || r.patch.message.cc?.length) ? { cc: [...(r.patch.message.to ?? []), ...(r.patch.message.cc ?? [])] } : {}),
    date: h?.date ?? r.patch?.message.date ?? '',
    inReplyTo: h?.inReplyTo ?? r.patch?.message.inReplyTo ?? null,
    references: h?.references ?? r.patch?.message.references ?? [],
    ...(r.warnings.length ? { warnings: r.warnings.slice(0, 10) } : {}),
    ms,
  };
}

/** Analyze an ingested message (from a batch job, or `lockcheck patch`). Never throws. */
export function recordFromIngest(r: IngestResult, settings: AnalysisSettings, source: string, index: number, overlay?: Map<string, string>): MessageRecord {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  if (r.status === 'failed') return { ...base(r, source, index, 0), status: 'failed' };
  if (r.status !== 'patch' || !r.patch) return { ...base(r, source, index, 0), status: 'not-a-patch' };
  const p = r.patch;
  if (p.diffText.length > (settings.maxDiffBytes ?? DEFAULT_MAX_DIFF_BYTES)) {
    return { ...base(r, source, index, 0), status: 'skipped', reason: 'diff-too-large', detail: `diff is ${p.diffText.length} bytes` };
  }
  try {
    const res = analyzePatch(
      { messageId: r.messageId, subject: r.subject, diffText: p.diffText, files: p.files, body: p.message.body },
      {
        ...(settings.tree ? { tree: settings.tree } : {}),
        allChanges: !!settings.allChanges,
        apiPrefilter: settings.apiPrefilter !== false,
        ...(overlay ? { overlay } : {}),
        analyze: {
          rules: rulesFor(settings.rulesDirs ?? []),
          only: settings.only ?? [],
          allRules: !!settings.allRules,
          ...(settings.ruleLevels ? { ruleLevels: settings.ruleLevels } : {}),
          confirm: settings.confirm !== false,
          ...(settings.cache === false ? { cache: false } : {}),
        },
      },
    );
    const rec = base(r, source, index, ms());
    const warnings = [...(rec.warnings ?? []), ...res.warnings];
    if (res.reason === 'no-c-files') return { ...rec, status: 'skipped', reason: 'no-c-files', detail: 'the patch touches no C source', ...(warnings.length ? { warnings } : {}) };
    if (res.reason === 'no-lock-api') {
      return { ...rec, status: 'skipped', reason: 'no-lock-api', detail: 'the hunks name no lock, atomic, barrier, free or deferred-work API of the rule tables', mode: 'no-tree', ...(warnings.length ? { warnings } : {}) };
    }
    return {
      ...rec,
      status: 'analyzed',
      // A tree-mode fallback (`does-not-apply`, `missing-file`): analyzed from the hunks instead.
      ...(res.reason ? { reason: res.reason } : {}),
      findings: res.findings,
      mode: res.mode,
      preimages: res.preimages.map((x) => ({ path: x.path, source: x.source })),
      stats: res.notes?.length ? { ...res.stats, notes: res.notes } : res.stats,
      ...(warnings.length ? { warnings } : {}),
      ms: ms(),
    };
  } catch (e) {
    return { ...base(r, source, index, ms()), status: 'failed', reason: 'analysis-error', detail: e instanceof Error ? e.message : String(e) };
  }
}

/** The whole job: ingest (MIME, diff extraction) and analysis. Never throws. */
export async function runMessageJob(job: MessageJob): Promise<MessageRecord> {
  const src = job.raw.source ?? '';
  const raw: RawMessage = { ...job.raw, bytes: Buffer.from(job.raw.bytes.buffer, job.raw.bytes.byteOffset, job.raw.bytes.byteLength) };
  try {
    const opts = settingsIngest(job.settings);
    const r = await ingestRawMessage(raw, opts);
    return recordFromIngest(r, job.settings, src, job.raw.index);
  } catch (e) {
    const h = scanHeaders(raw.bytes);
    return {
      messageId: h.messageId,
      subject: h.subject,
      status: 'failed',
      reason: 'internal-error',
      detail: e instanceof Error ? e.message : String(e),
      findings: [],
      source: src,
      index: job.raw.index,
      from: h.fromAddress,
      date: h.date,
      inReplyTo: h.inReplyTo,
      references: h.references,
      ms: 0,
    };
  }
}

function settingsIngest(s: AnalysisSettings): { maxMessageBytes?: number } {
  return s.maxMessageBytes ? { maxMessageBytes: s.maxMessageBytes } : {};
}
