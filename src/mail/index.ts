// The mail and patch ingest layer: public API.

export type {
  IngestOptions,
  IngestResult,
  IngestStatus,
  MailAttachment,
  MailMessage,
  MessageHeader,
  PatchMessage,
  RawMessage,
  SubjectInfo,
} from './types.js';
export { isFromLine, splitMbox, splitMboxText, unescapeFromLines, type MboxFormat, type SplitOptions } from './mbox.js';
export { fileChunks, xzChunks } from './sources.js';
export { iteratePublicInbox, type PublicInboxOptions } from './public-inbox.js';
export { parseMessage, parseMessageIds, scanHeaders } from './message.js';
export { normalizeTitle, parseSubject } from './subject.js';
export { extractDiff, unquote, withoutQuoted, type ExtractedDiff } from './diff-extract.js';
export { classifyMessage } from './classify.js';
export { ingestMessages, ingestPatchText, ingestRawMessage, looksLikeMail } from './ingest.js';
export { archiveSubject, ingestArchivePage } from './archive-page.js';
export { ingestPath, ingestText, isGitDir, sniffText, type InputKind } from './ingest-path.js';
export {
  alreadyReported,
  earlierVersionsOf,
  groupSeries,
  recordReported,
  seriesInputs,
  type ReportedStore,
  type Series,
  type SeriesFamily,
  type SeriesGrouping,
  type SeriesMember,
} from './series.js';
