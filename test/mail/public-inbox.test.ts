import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMessages } from '../../src/mail/ingest.js';
import { iteratePublicInbox } from '../../src/mail/public-inbox.js';
import type { IngestResult, RawMessage } from '../../src/mail/types.js';

let hasGit = true;
try {
  execFileSync('git', ['--version']);
} catch {
  hasGit = false;
}

const msg = (n: number, extra = ''): string =>
  `From: dev${n}@example.org\nSubject: [PATCH ${n}/3] part ${n}\nMessage-ID: <pi-${n}@example.org>\nDate: Mon, 1 Jun 2020 10:00:0${n} +0000\n\n${extra}---\ndiff --git a/f${n}.c b/f${n}.c\n--- a/f${n}.c\n+++ b/f${n}.c\n@@ -1 +1 @@\n-a\n+b\n`;

describe.skipIf(!hasGit)('public-inbox v2 epoch', () => {
  let dir = '';
  let bare = '';
  beforeAll(() => {
    // Build an epoch the way public-inbox does: every commit holds one file `m`; a removal
    // commit holds `d` instead.
    dir = mkdtempSync(join(tmpdir(), 'lockcheck-pi-'));
    const work = join(dir, 'work');
    const git = (...args: string[]): void => {
      execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'ignore' });
    };
    execFileSync('git', ['init', '-q', work]);
    for (const n of [1, 2, 3]) {
      // Message 2 carries a binary-looking (latin-1) byte and a line starting "From ".
      writeFileSync(join(work, 'm'), n === 2 ? Buffer.concat([Buffer.from(msg(n, 'From the start \n')), Buffer.from([0xe9, 0x0a])]) : msg(n));
      git('add', 'm');
      git('commit', '-q', '-m', `m${n}`);
    }
    unlinkSync(join(work, 'm'));
    writeFileSync(join(work, 'd'), msg(9));
    git('rm', '-q', '--cached', 'm');
    git('add', 'd');
    git('commit', '-q', '-m', 'removal');
    bare = join(dir, '0.git');
    execFileSync('git', ['clone', '-q', '--bare', work, bare], { stdio: 'ignore' });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('yields one raw message per commit holding m, oldest first, and reports the others', async () => {
    const missing: string[] = [];
    const raws: RawMessage[] = [];
    for await (const r of iteratePublicInbox(bare, { onMissing: (c) => missing.push(c) })) raws.push(r);
    expect(raws).toHaveLength(3);
    expect(missing).toHaveLength(1);
    expect(raws.map((r) => /Message-ID: <([^>]+)>/.exec(r.bytes.toString('latin1'))?.[1])).toEqual([
      'pi-1@example.org',
      'pi-2@example.org',
      'pi-3@example.org',
    ]);
    // Bytes come through untouched (no mbox escaping in public-inbox).
    expect(raws[1]!.bytes.subarray(-2)).toEqual(Buffer.from([0xe9, 0x0a]));
    expect(raws[0]!.source).toMatch(/^public-inbox [0-9a-f]{40}$/);
  });

  it('ingests them as patches, and honours limit', async () => {
    const rs: IngestResult[] = [];
    for await (const r of ingestMessages(iteratePublicInbox(bare, { limit: 2 }))) rs.push(r);
    expect(rs.map((r) => [r.status, r.patch?.files[0]?.path])).toEqual([
      ['patch', 'f1.c'],
      ['patch', 'f2.c'],
    ]);
  });
});
