// One line of the batch output (`--out results.jsonl`): every input message gets exactly one.
import type { Finding, RunStats } from '../report/finding.js';

export type RecordStatus = 'analyzed' | 'not-a-patch' | 'skipped' | 'failed';

export interface MessageRecord {
  messageId: string;
  subject: string;
  status: RecordStatus;
  /** Short stable code: `reply`, `cover-letter`, `too-large`, `does-not-apply`, `no-c-files`, ... */
  reason?: string;
  detail?: string;
  /** Introduced findings (every change with `--all-changes`), each with `change` and extras. */
  findings: Finding[];
  /** Where the message is: archive path and 0-based position in it. */
  source: string;
  index: number;
  /** Threading headers, for series grouping and replies. */
  from: string;
  /** The author as written (`Name <addr>`) and the other recipients, for reply-all. */
  author?: string;
  cc?: string[];
  date: string;
  inReplyTo: string | null;
  references: string[];
  /** `tree`, `no-tree`; and where each pre-image came from. */
  mode?: 'tree' | 'no-tree';
  preimages?: { path: string; source: string }[];
  /** Patch series key `<family>@v<version>` (filled after the run). */
  series?: string;
  warnings?: string[];
  /** Engine statistics of the post-image analysis. */
  stats?: RunStats;
  ms: number;
}

/** The key `--resume` recognises a message by: its Message-ID. */
export function recordKey(r: Pick<MessageRecord, 'messageId'>): string {
  return r.messageId;
}

const KEY_ORDER = ['messageId', 'subject', 'status', 'reason', 'detail', 'findings'] as const;

/** The record with its keys in reading order (`messageId, subject, status, reason, ...`). */
export function ordered(r: MessageRecord): MessageRecord {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (r[k] !== undefined) out[k] = r[k];
  for (const [k, v] of Object.entries(r)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as unknown as MessageRecord;
}
