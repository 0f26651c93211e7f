// The data model of the mail and patch ingest layer. Everything here is plain data: no
// streams, no class instances, so results can cross worker threads and be JSON-encoded.

import type { DiffFile } from '../patch/diff.js';

/** A message as cut out of a container (mbox, public-inbox, .eml), not yet MIME-parsed. */
export interface RawMessage {
  /** 0-based position in the container. */
  index: number;
  /** The message bytes (mbox `From ` line removed, `>From ` unescaped). Only the head when `oversize`. */
  bytes: Buffer;
  /** Byte offset of the message in the container, when known. */
  offset?: number;
  /** The mbox `From ` separator line, when there was one. */
  fromLine?: string;
  /** Full size in bytes when the message was larger than the splitter's limit. */
  oversize?: number;
  /** The limit `oversize` went over. */
  sizeLimit?: number;
  /** The container ended (or failed) inside this message. */
  truncated?: boolean;
  /** The error the container's reader failed with (xz/gzip failure, read error). */
  error?: string;
  /** Where it came from: `mbox`, `public-inbox <commit>`, a file name. */
  source?: string;
}

export interface MailAttachment {
  filename: string | null;
  contentType: string;
  /** Decoded text, for text parts and anything named *.patch / *.diff. */
  text?: string;
  /** Set for parts that are not text: never decoded, only counted. */
  binary?: { size: number };
}

export interface MailMessage {
  messageId: string;
  subject: string;
  /** `Name <addr>` as written, and the bare address (lowercased) for grouping. */
  from: string;
  fromAddress: string;
  /** To and Cc recipients, `Name <addr>` as written (a reply goes to all of them). */
  to?: string[];
  cc?: string[];
  /** ISO 8601 when the Date header parses, else the raw header, else ''. */
  date: string;
  inReplyTo: string | null;
  /** Oldest first, as in the References header. */
  references: string[];
  /** The text/plain body (HTML stripped to text when there is no plain part). */
  body: string;
  attachments: MailAttachment[];
  warnings: string[];
}

/** What the subject line says: `[PATCH RESEND v3 02/11] arm64: fix foo`. */
export interface SubjectInfo {
  raw: string;
  /** Started with Re:/Aw:/Fwd: (any number of them). */
  isReply: boolean;
  /** A PATCH (or RFC) tag was present. */
  isPatch: boolean;
  rfc: boolean;
  resend: boolean;
  /** 1 when no vN tag. */
  version: number;
  /** `02/11` -> 2; null for a lone patch. */
  index: number | null;
  total: number | null;
  /** 0/N. */
  isCover: boolean;
  /** Other bracket tags: mailing-list names (`Xen-devel`), trees (`net-next`), projects (`KVM`). */
  tags: string[];
  /** The subject after every prefix and bracket tag. */
  title: string;
  /** `title` lowercased with whitespace collapsed: the key used to match versions. */
  normalized: string;
}

/** A message that carries a patch (or is a cover letter of a series). */
export interface PatchMessage {
  message: MailMessage;
  subjectInfo: SubjectInfo;
  /** The unified diff text found in the message (normalized: context lines re-prefixed). */
  diffText: string;
  files: DiffFile[];
  /** The diff came from `> ` quoted text (only with `includeQuoted`). */
  quoted: boolean;
  /** Where the diff was found: `body`, an attachment file name, `archive page`. */
  diffSource: string;
  /** Commit message: the body before the diff / the `---` line. */
  commitMessage: string;
  /** Recovery and parse warnings (hunk counts that do not match, lost lines, ...). */
  warnings: string[];
}

export type IngestStatus = 'patch' | 'not-a-patch' | 'failed';

/** One line of the accounting: every input message ends up as exactly one of these. */
export interface IngestResult {
  messageId: string;
  subject: string;
  status: IngestStatus;
  /** Short stable code for accounting tables: `reply`, `no-diff`, `cover-letter`, `too-large`, ... */
  reason?: string;
  /** Human-readable detail for `failed` and for odd cases. */
  detail?: string;
  /** Set for status `patch`, and for cover letters (status `not-a-patch`, reason `cover-letter`). */
  patch?: PatchMessage;
  /** Message headers needed for threading even when there is no patch. */
  header?: MessageHeader;
  warnings: string[];
  index?: number;
  source?: string;
}

/** The small part of a message that series grouping needs. */
export interface MessageHeader {
  messageId: string;
  subject: string;
  fromAddress: string;
  date: string;
  inReplyTo: string | null;
  references: string[];
}

export interface IngestOptions {
  /** Also take diffs quoted with `> ` in replies (unquoted) as patches. Default false. */
  includeQuoted?: boolean;
  /** Messages larger than this are reported `failed`/`too-large`. Default 32 MiB. */
  maxMessageBytes?: number;
}
