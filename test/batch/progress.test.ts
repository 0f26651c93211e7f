// Progress a user watches: the mbox run's total with a percentage and an ETA, and the main
// command's stages after parsing on a terminal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchProgress, shareText } from '../../src/batch/progress.js';
import { runBatch } from '../../src/batch/run.js';
import { countMessages } from '../../src/batch/sources.js';
import { progressReporter } from '../../src/cli/progress.js';
import { mail, mbox } from './fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lockcheck-progress-'));

describe('mbox progress', () => {
  // a body line starting with "From " is escaped in the mbox, so it is no message of its own
  const mails = Array.from({ length: 7 }, (_, i) => mail({ id: `m${i}@example.org`, subject: `note ${i}`, body: 'From the start of a line\nbody\n' }));

  it('counts the messages of a plain and an xz mbox (From lines, not body lines)', async () => {
    const dir = tmp();
    const path = join(dir, 'list.mbox');
    writeFileSync(path, mbox(mails));
    expect(await countMessages([path])).toBe(7);
    execFileSync('xz', ['-k', path]);
    expect(await countMessages([`${path}.xz`, path])).toBe(14);
  });

  it('shows done of total with a percentage and an ETA', () => {
    const c = { done: 30, patches: 3, findings: 1, failed: 0, skippedResume: 20 };
    // 30 analysed in 60 s, 50 of 200 seen: 150 left at 2 s each
    expect(shareText(c, 200, 60_000)).toBe(' of 200 (25 %, ETA 5m 0s)');
    expect(shareText(c, undefined, 60_000)).toBe('');
  });

  it('a run prints the total in its progress lines', async () => {
    const dir = tmp();
    const path = join(dir, 'list.mbox');
    writeFileSync(path, mbox(mails));
    const lines: string[] = [];
    const progress = batchProgress(process.stderr, 0, (s) => lines.push(s));
    progress.total!((await countMessages([path]))!);
    await runBatch({ archives: [path], settings: {}, progress, jobs: 1 });
    expect(lines[lines.length - 1]).toMatch(/^lockcheck mbox: 7 messages of 7 \(100 %, ETA 0s\)/);
  });
});

describe('main command progress', () => {
  it('on a terminal, names each stage after parsing as it starts', () => {
    let out = '';
    const stream = { isTTY: true, write: (s: string) => ((out += s), true), columns: 80, on: () => stream, removeListener: () => stream, cursorTo: () => true, clearLine: () => true, moveCursor: () => true } as unknown as NodeJS.WriteStream;
    const p = progressReporter(stream)!;
    p.phase('call graph and lock summaries');
    p.phase('models: confirming 3 findings');
    p.stop();
    expect(out).toMatch(/call graph and lock summaries\.\.\. \(\d+\.\d s\)/);
    expect(out).toMatch(/\r\x1b\[Kmodels: confirming 3 findings\.\.\./);
    expect(out.endsWith('\r\x1b[K')).toBe(true);
    expect(progressReporter({ isTTY: false } as NodeJS.WriteStream)).toBeUndefined();
  });
});
