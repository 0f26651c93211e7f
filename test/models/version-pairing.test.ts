// A read barrier with no write barrier to pair with: the writer stores shared state and then
// bumps a version word without smp_wmb(); the reader loads the version, smp_rmb()s and reads
// the state. On LKMM the reader can see the new version and the old state: STALE READ, with
// both sides taken from the code. The same writer with smp_wmb() before the bump is no finding
// (checker test); put into the extracted model by hand, it is refuted.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../src/engine/analyze.js';
import { extractModel, scriptModel } from '../../src/models/extract/index.js';
import { explore } from '../../src/models/explorer/index.js';
import type { ScriptStep } from '../../src/models/extract/script.js';

const code = `struct tbl { atomic_t version; int slot[16]; };
void fill(struct tbl *t, int i, int v) { t->slot[i] = v; }
int walk_slots(struct tbl *t, int i) { return t->slot[i]; }
int lookup(struct tbl *t, int i)
{
	int ver = atomic_read(&t->version);
	smp_rmb();
	int v = walk_slots(t, i);
	if (ver != atomic_read(&t->version))
		return -1;
	return v;
}
void update(struct tbl *t, int i, int v)
{
	fill(t, i, v);
	atomic_inc(&t->version);
}
`;
const lineOf = (text: string): number => code.split('\n').findIndex((l) => l.includes(text)) + 1;

const finding = () => {
  const r = analyzeSources([{ path: 'tbl.c', text: code }], {});
  const fs = r.findings.filter((f) => f.rule === 'missing-barrier');
  expect(fs.length).toBe(1);
  return { f: fs[0]!, r };
};

describe('version pairing (read barrier without a write barrier)', () => {
  it('is confirmed on LKMM with both sides from the code, the shared state named as an assumption', () => {
    const { f } = finding();
    const c = f.confirmation;
    expect(c).toMatchObject({ status: 'confirmed', method: 'extracted', outcome: 'STALE READ' });
    const w = c.trace!.filter((t) => t.cpu === 0);
    const rd = c.trace!.filter((t) => t.cpu === 1);
    expect(w.some((t) => t.line === lineOf('fill(t, i, v);'))).toBe(true);
    expect(w.some((t) => t.line === lineOf('atomic_inc(&t->version);'))).toBe(true);
    expect(rd.some((t) => t.line === lineOf('int ver = atomic_read'))).toBe(true);
    expect(rd.some((t) => t.line === lineOf('smp_rmb();'))).toBe(true);
    // the state is a location both sides touch: written by fill, read after the barrier by walk_slots
    expect(c.assumptions!.some((a) => a.kind === 'alias' && /tbl\.slot(\.\[\])?, written on the writer's side by fill \(tbl\.c:2\)/.test(a.text) && /read after the read barrier by walk_slots/.test(a.text))).toBe(true);
    expect(c.litmus).toMatch(/smp_rmb/);
  });

  it('when the reader reads nothing after its barrier that the writer side stores, there is no model (unknown)', () => {
    const other = code.replace('int walk_slots(struct tbl *t, int i) { return t->slot[i]; }', 'int walk_slots(struct tbl *t, int i) { return t->size; }').replace('int slot[16]; };', 'int slot[16]; int size; };');
    expect(other).toContain('t->size');
    const r = analyzeSources([{ path: 'tbl.c', text: other }], {});
    const fs = r.findings.filter((f) => f.rule === 'missing-barrier');
    expect(fs.length).toBe(1);
    expect(fs[0]!.confirmation.status).toBe('unknown');
    expect(fs[0]!.confirmation.reason).toMatch(/no location the reader reads after its read barrier is written by the writer's side/);
  });

  it('the same model with smp_wmb() before the version update is refuted', () => {
    const { f, r } = finding();
    const x = extractModel(f, r.program!);
    expect(x.ok).toBe(true);
    if (!x.ok) return;
    const steps = x.script.threads[0]!.steps;
    const i = steps.findIndex((s: ScriptStep) => s.call === 'rmw' || (s.call === 'store' && String((s as { args: unknown[] }).args[0]).includes('version')));
    expect(i).toBeGreaterThan(0);
    steps.splice(i, 0, { call: 'fence', args: ['wmb', {}] });
    const res = explore(scriptModel(x.script), { maxStates: 20000 });
    expect(res.status).toBe('refuted');
  });
});
