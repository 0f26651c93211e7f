// JSON Lines output that survives interruption: records are appended one line each; on
// `--resume` the existing file is read back, a truncated last line is cut off, and the run
// appends after the last complete record.
import { closeSync, existsSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { ordered, type MessageRecord } from './record.js';

export interface ExistingRecords {
  records: MessageRecord[];
  /** A partial last line was dropped (the run was killed mid-write). */
  truncatedTail: boolean;
  /** Lines that were complete but not JSON (left in place, counted). */
  badLines: number;
}

/** Read a results file and cut any partial last line off it so appends start clean. */
export function readExisting(path: string): ExistingRecords {
  if (!existsSync(path)) return { records: [], truncatedTail: false, badLines: 0 };
  const buf = readFileSync(path);
  const lastNl = buf.lastIndexOf(0x0a);
  const complete = lastNl >= 0 ? buf.subarray(0, lastNl + 1) : Buffer.alloc(0);
  const truncatedTail = complete.length < buf.length;
  if (truncatedTail) truncateSync(path, complete.length);
  const records: MessageRecord[] = [];
  let badLines = 0;
  for (const line of complete.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as MessageRecord;
      if (r && typeof r.messageId === 'string' && typeof r.status === 'string') records.push(r);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { records, truncatedTail, badLines };
}

export class JsonlWriter {
  private fd: number;
  constructor(path: string, append: boolean) {
    this.fd = openSync(path, append ? 'a' : 'w');
  }
  write(r: MessageRecord): void {
    writeSync(this.fd, JSON.stringify(ordered(r)) + '\n');
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Replace the file's content atomically (after series marks were added). */
export function rewriteAll(path: string, records: MessageRecord[]): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, records.map((r) => JSON.stringify(ordered(r)) + '\n').join(''));
  renameSync(tmp, path);
}
