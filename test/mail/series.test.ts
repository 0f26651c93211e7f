import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestMessages } from '../../src/mail/ingest.js';
import { splitMbox } from '../../src/mail/mbox.js';
import { alreadyReported, earlierVersionsOf, groupSeries, recordReported, seriesInputs } from '../../src/mail/series.js';
import type { IngestResult, MessageHeader } from '../../src/mail/types.js';

async function ingestFixture(): Promise<IngestResult[]> {
  const buf = readFileSync(new URL('../fixtures/mail/series.mbox', import.meta.url));
  const out: IngestResult[] = [];
  for await (const r of ingestMessages(splitMbox([buf]))) out.push(r);
  return out;
}

describe('series grouping', () => {
  it('accounts for every message of the fixture', async () => {
    const rs = await ingestFixture();
    expect(rs.map((r) => `${r.status}/${r.reason ?? ''}`)).toEqual([
      'not-a-patch/cover-letter',
      'patch/',
      'patch/',
      'not-a-patch/reply-quotes-patch',
      'not-a-patch/cover-letter',
      'patch/',
      'patch/',
      'patch/',
      'patch/',
    ]);
  });

  it('groups by thread, links v1 and v2, and falls back to subjects for unthreaded mail', async () => {
    const rs = await ingestFixture();
    const g = groupSeries(seriesInputs(rs));
    expect(g.series).toHaveLength(3);
    const alice = g.families.find((f) => f.author === 'alice@example.org')!;
    expect(alice.versions.map((s) => [s.version, s.cover?.messageId, s.patches.map((p) => p.messageId), s.groupedBy])).toEqual([
      [1, 'v1-0@example.org', ['v1-1@example.org', 'v1-2@example.org'], 'thread'],
      [2, 'v2-0@example.org', ['v2-1@example.org', 'v2-2@example.org'], 'thread'],
    ]);
    expect(alice.title).toBe('vgic: fix lock order');
    // Stable keys: patch 1 of v1 and of v2 share them.
    const [v1, v2] = alice.versions;
    expect(v1!.patches[0]!.patchKey).toBe(v2!.patches[0]!.patchKey);
    expect(v1!.patches[0]!.titleKey).toBe(v2!.patches[0]!.titleKey);
    expect(v1!.patches[0]!.patchKey).not.toBe(v1!.patches[1]!.patchKey);
    expect(v1!.key).not.toBe(v2!.key);
    expect(v1!.missing).toEqual([]);
    const carol = g.families.find((f) => f.author === 'carol@example.net')!;
    expect(carol.versions).toHaveLength(1);
    expect(carol.versions[0]).toMatchObject({ groupedBy: 'subject', total: 2, cover: null });
    expect(carol.versions[0]!.patches.map((p) => p.subject.index)).toEqual([1, 2]);
    expect(g.seriesOf.get('c2@example.net')).toBe(carol.versions[0]!.key);
  });

  it('marks a finding reported on v1 as already reported on v2', async () => {
    const g = groupSeries(seriesInputs(await ingestFixture()));
    const alice = g.families.find((f) => f.author === 'alice@example.org')!;
    const [v1, v2] = alice.versions;
    const store = new Map<string, Map<string, number>>();
    recordReported(store, v1!.patches[0]!, 1, 'fp-lock-order');
    expect(alreadyReported(store, v2!.patches[0]!, 2, 'fp-lock-order')).toBe(1);
    expect(alreadyReported(store, v2!.patches[0]!, 2, 'fp-other')).toBeNull();
    expect(alreadyReported(store, v2!.patches[1]!, 2, 'fp-lock-order')).toBeNull();
    expect(alreadyReported(store, v1!.patches[0]!, 1, 'fp-lock-order')).toBeNull(); // not "earlier" than itself
    expect(earlierVersionsOf(alice, v2!.patches[1]!, 2).map((p) => p.messageId)).toEqual(['v1-2@example.org']);
  });

  it('keeps patches of one thread whose cover is missing together, and reports missing patches', () => {
    const h = (id: string, subject: string, inReplyTo: string | null, from = 'd@x'): MessageHeader => ({
      messageId: id,
      subject,
      fromAddress: from,
      date: 'Mon, 1 Jun 2020 10:00:00 +0000',
      inReplyTo,
      references: inReplyTo ? [inReplyTo] : [],
    });
    const g = groupSeries([h('p1', '[PATCH v4 1/3] a: one', 'cover-not-archived'), h('p3', '[PATCH v4 3/3] a: three', 'cover-not-archived')]);
    expect(g.series).toHaveLength(1);
    expect(g.series[0]).toMatchObject({ version: 4, total: 3, missing: [2], groupedBy: 'thread' });
  });

  it('does not merge two different series that share one patch, nor stable trees', () => {
    let n = 0;
    const h = (subject: string, inReplyTo: string | null, from = 'k@x'): MessageHeader => ({
      messageId: `m${++n}`,
      subject,
      fromAddress: from,
      date: `2022-01-01T00:00:${String(n).padStart(2, '0')}Z`,
      inReplyTo,
      references: inReplyTo ? [inReplyTo] : [],
    });
    const g = groupSeries([
      h('[PATCH 0/3] stack enhancements', null),
      h('[PATCH 1/3] shared helper', 'm1'),
      h('[PATCH 2/3] guard pages', 'm1'),
      h('[PATCH 3/3] overflow check', 'm1'),
      h('[PATCH 0/3] stack unwinder', null),
      h('[PATCH 1/3] shared helper', 'm5'),
      h('[PATCH 2/3] unwind nvhe', 'm5'),
      h('[PATCH 3/3] dump on panic', 'm5'),
      h('[PATCH 5.4 01/10] kvm: fix irqfd', null, 'greg@x'),
      h('[PATCH 5.10 01/12] kvm: fix irqfd', null, 'greg@x'),
    ]);
    expect(g.families.map((f) => f.versions.length)).toEqual([1, 1, 1, 1]);
  });

  it('links versions whose cover titles differ through a shared patch title', () => {
    const h = (id: string, subject: string, inReplyTo: string | null, date: string): MessageHeader => ({
      messageId: id,
      subject,
      fromAddress: 'e@x',
      date,
      inReplyTo,
      references: inReplyTo ? [inReplyTo] : [],
    });
    const g = groupSeries([
      h('a0', '[PATCH 0/1] first try', null, '2020-01-01T00:00:00Z'),
      h('a1', '[PATCH 1/1] kvm: fix the irqfd race', 'a0', '2020-01-01T00:00:01Z'),
      h('b0', '[PATCH v2 0/1] irqfd: fix the shutdown race', null, '2020-02-01T00:00:00Z'),
      h('b1', '[PATCH v2 1/1] KVM: fix the irqfd race.', 'b0', '2020-02-01T00:00:01Z'),
    ]);
    expect(g.families).toHaveLength(1);
    expect(g.families[0]!.versions.map((s) => s.version)).toEqual([1, 2]);
  });
});
