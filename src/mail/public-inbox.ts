// public-inbox v2 epochs: a bare git repository where each commit holds one file `m` with one
// message (a deletion commit holds `d` instead). Walk `git log --reverse` and read the blobs
// through one `git cat-file --batch` process.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RawMessage } from './types.js';

export interface PublicInboxOptions {
  /** Stop after this many commits. */
  limit?: number;
  /** Commits whose `m` is missing are reported through this callback (deleted messages). */
  onMissing?: (commit: string) => void;
}

async function* commits(gitDir: string): AsyncGenerator<string> {
  const child = spawn('git', ['--git-dir', gitDir, 'log', '--reverse', '--format=%H'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  for await (const line of createInterface({ input: child.stdout })) if (line.trim()) yield line.trim();
  const code = await done;
  if (code !== 0) throw new Error(`git log in ${gitDir} failed (exit ${code}): ${stderr.trim()}`);
}

/** Reads `git cat-file --batch` answers off a byte stream. */
class BatchReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended = false;
  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }
  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
  private async need(n: number): Promise<boolean> {
    while (this.buf.length < n) {
      if (this.ended) return false;
      await new Promise<void>((r) => (this.waiting = r));
    }
    return true;
  }
  async line(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const s = this.buf.toString('utf8', 0, nl);
        this.buf = this.buf.subarray(nl + 1);
        return s;
      }
      if (!(await this.need(this.buf.length + 1))) return null;
    }
  }
  async bytes(n: number): Promise<Buffer | null> {
    if (!(await this.need(n + 1))) return null;
    const out = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n + 1); // the LF after the content
    return out;
  }
}

/** Messages of one public-inbox v2 epoch (`.../git/0.git`), oldest first. */
export async function* iteratePublicInbox(gitDir: string, options: PublicInboxOptions = {}): AsyncGenerator<RawMessage> {
  const cat = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const reader = new BatchReader(cat.stdout);
  let index = 0;
  let seen = 0;
  try {
    for await (const c of commits(gitDir)) {
      if (options.limit !== undefined && seen >= options.limit) break;
      seen++;
      cat.stdin.write(`${c}:m\n`);
      const head = await reader.line();
      if (head === null) throw new Error('git cat-file --batch ended early');
      const m = /^(\S+) (\S+) (\d+)$/.exec(head);
      if (!m) {
        options.onMissing?.(c); // `<c>:m missing`: a deletion commit
        continue;
      }
      const bytes = await reader.bytes(Number(m[3]));
      if (bytes === null) throw new Error('git cat-file --batch ended inside a blob');
      yield { index: index++, bytes, source: `public-inbox ${c}` };
    }
  } finally {
    cat.stdin.end();
    if (cat.exitCode === null) cat.kill();
  }
}
