// `-I DIR`: headers read for their types only, on the command line and from a compilation
// database's include directories outside the project.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-run.js';

// the struct the locks are in lives in a header of another directory: only with it is
// fwd's p->dev->a the same lock class (dev.a) as rev's d->a. The header also has an inline
// function with a bug of its own, which is not this program's to report.
const HEADER = `struct dev { spinlock_t a; spinlock_t b; };
struct port { struct dev *dev; int n; };
static inline void port_twice(struct port *p) { spin_lock(&p->dev->a); spin_lock(&p->dev->a); }
`;
const SOURCE = `#include <port.h>
void fwd(struct port *p) { spin_lock(&p->dev->a); spin_lock(&p->dev->b); p->n++; spin_unlock(&p->dev->b); spin_unlock(&p->dev->a); }
void rev(struct dev *d) { spin_lock(&d->b); spin_lock(&d->a); spin_unlock(&d->a); spin_unlock(&d->b); }
`;

function project(): { dir: string; src: string; inc: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lc-inc-'));
  const src = join(dir, 'proj', 'src');
  const inc = join(dir, 'other', 'include');
  mkdirSync(src, { recursive: true });
  mkdirSync(inc, { recursive: true });
  writeFileSync(join(src, 'port.c'), SOURCE);
  writeFileSync(join(inc, 'port.h'), HEADER);
  return { dir, src, inc };
}

type Json = { findings: { rule: string; file: string; locks: string[] }[]; stats: { files: number; includeHeaders?: number; unclassifiedLocks?: unknown } };

describe('-I DIR', () => {
  it('gives a lock declared in an -I header its class, and reports nothing located in the header', async () => {
    const { src, inc } = project();
    const without = JSON.parse((await runCli('-f', 'json', src)).out) as Json;
    expect(without.findings).toEqual([]);
    const r = await runCli('-f', 'json', '-I', inc, src);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as Json;
    expect(doc.findings.map((f) => [f.rule, [...f.locks].sort()])).toEqual([['lock-inversion', ['dev.a', 'dev.b']]]);
    expect(doc.findings.every((f) => !f.file.startsWith(inc))).toBe(true);
    expect(doc.stats).toMatchObject({ files: 1, includeHeaders: 1 });
    // the header given as a PATH is analysed: its own recursive lock is reported then
    const both = JSON.parse((await runCli('-f', 'json', src, inc)).out) as Json;
    expect(both.findings.map((f) => f.rule).sort()).toEqual(['lock-inversion', 'recursive-lock']);
    const text = await runCli('-I', inc, src);
    expect(text.out).toMatch(/1 finding \(1 lock-inversion\) in 1 files \(and 1 headers read for their types: -I\)/);
  });

  it('reads a compilation database\'s -I directories outside the project for their types only', async () => {
    const { dir, inc } = project();
    const proj = join(dir, 'proj');
    writeFileSync(join(proj, 'compile_commands.json'), JSON.stringify([{ directory: proj, file: 'src/port.c', command: `cc -I ${inc} -c src/port.c` }]));
    const doc = JSON.parse((await runCli('-f', 'json', proj)).out) as Json;
    expect(doc.findings.map((f) => f.rule)).toEqual(['lock-inversion']);
    expect(doc.stats).toMatchObject({ files: 1, includeHeaders: 1 });
  });
});
