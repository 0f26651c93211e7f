// emit -> run round trip through the CLI, and clear errors for a broken model file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { analyzeSources } from '../../src/engine/analyze.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'lockcheck', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const ABBA = `static DEFINE_SPINLOCK(a);
static DEFINE_SPINLOCK(b);
void f(void) { spin_lock(&a); spin_lock(&b); spin_unlock(&b); spin_unlock(&a); }
void g(void) { spin_lock(&b); spin_lock(&a); spin_unlock(&a); spin_unlock(&b); }
`;

describe('lockcheck model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lc-model-'));
  const c = join(dir, 'abba.c');
  writeFileSync(c, ABBA);

  it('emits a type-checked TypeScript model that runs to the same DEADLOCK', async () => {
    const f = analyzeSources([{ path: c, text: ABBA }]).findings.find((x) => x.rule === 'lock-inversion')!;
    expect(f.confirmation.status).toBe('confirmed');
    const out = join(dir, 'abba.model.ts');
    const e = await run('model', '--emit', f.id.slice(0, 10), '-o', out, '--jobs', '1', c);
    expect(e.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain("from 'lockcheck/model'");
    expect(text).toMatch(/t\.lock\('a@abba\.c', \{ line: 3, code: 'void f\(void\)/);
    expect(text).toMatch(/\['CPU1: g', \(t\) => \{/);
    expect(text).toContain("export const expected = 'DEADLOCK'");
    const r = await run('model', 'run', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/confirmed \(DEADLOCK\)/);
    expect(r.out).toContain('*** DEADLOCK ***');
    // the user fixes the order in CPU1: no deadlock any more
    const fixed = text.replace(/(\['CPU1[^\n]*\n)([\s\S]*?)(\n\s*\}\],)/, (_m, h: string, body: string, t: string) => h + body.replace(/lock\('b@abba\.c'/, "lock('X'").replace(/lock\('a@abba\.c'/, "lock('b@abba.c'").replace(/lock\('X'/, "lock('a@abba.c'") + t);
    expect(fixed).not.toBe(text);
    writeFileSync(out, fixed);
    const r2 = await run('model', 'run', out);
    expect(r2.code).toBe(0);
    expect(r2.out).toMatch(/refuted/);
  });

  it('reports a model that does not type-check with file, line and the TypeScript message, exit 2', async () => {
    const bad = join(dir, 'bad.ts');
    writeFileSync(bad, "import { model } from 'lockcheck/model';\n\nexport default model({\n  name: 'x',\n  threads: [(t) => { t.lokc('A'); }],\n});\n");
    const r = await run('model', 'run', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:5:`);
    expect(r.err).toMatch(/Property 'lokc' does not exist/);
  });

  it('rejects an unknown finding id', async () => {
    const r = await run('model', '--emit', 'ffffffffffffffff', '--jobs', '1', c);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no finding has id/);
  });
});
