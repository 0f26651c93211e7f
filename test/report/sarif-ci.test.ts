// SARIF as CI systems read it: URIs relative to SRCROOT (never ../..), the run's exit code and
// input errors in invocations, and every rule with help text and a helpUri that exists in docs/rules.md.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli-run.js';
import { checkers } from '../../src/checkers/index.js';

const run = runCli;

const LEAK = 'struct d { spinlock_t lock; int s; };\nint f(struct d *d, int x) {\n\tspin_lock(&d->lock);\n\tif (x) return -EINVAL;\n\tspin_unlock(&d->lock);\n\treturn 0;\n}\n';

describe('SARIF for CI', () => {
  it('gives URIs relative to the inputs\' common directory by default, or to --srcroot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-sarif-'));

    mkdirSync(join(dir, 'src', 'drv'), { recursive: true });
    writeFileSync(join(dir, 'src', 'drv', 'leak.c'), LEAK);
    const byDefault = JSON.parse((await run('-f', 'sarif', join(dir, 'src'))).out);
    const loc = byDefault.runs[0].results[0].locations[0].physicalLocation.artifactLocation;
    expect(loc).toEqual({ uri: 'drv/leak.c', uriBaseId: 'SRCROOT' });
    expect(byDefault.runs[0].originalUriBaseIds.SRCROOT.uri).toBe(`file://${join(dir, 'src')}/`);
    const rooted = JSON.parse((await run('-f', 'sarif', '--srcroot', dir, join(dir, 'src'))).out);
    expect(rooted.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('src/drv/leak.c');
    expect(JSON.stringify(rooted)).not.toContain('../');
  });

  it('records the exit code and input errors in invocations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-sarif-inv-'));
    writeFileSync(join(dir, 'leak.c'), LEAK);
    writeFileSync(join(dir, 'bin.c'), Buffer.from([0, 1, 2, 0, 0xff, 0xfe, 0]));
    const r = await run('-f', 'sarif', dir);
    const inv = JSON.parse(r.out).runs[0].invocations[0];
    expect(r.code).toBe(1);
    expect(inv).toMatchObject({ executionSuccessful: true, exitCode: 1 });
    expect(inv.toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text).join('\n')).toContain('bin.c');
  });

  it('documents every rule: help, helpUri into docs/rules.md, whole first sentence as short description', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-sarif-rules-'));
    writeFileSync(join(dir, 'leak.c'), LEAK);
    const rules = JSON.parse((await run('-f', 'sarif', dir)).out).runs[0].tool.driver.rules as { id: string; helpUri: string; help: { text: string }; shortDescription: { text: string }; fullDescription: { text: string } }[];
    const doc = readFileSync('docs/rules.md', 'utf8');
    expect(rules.map((r) => r.id).sort()).toEqual(checkers.map((c) => c.meta.id).sort());
    for (const r of rules) {
      expect(r.helpUri).toMatch(new RegExp(`docs/rules\\.md#${r.id}$`));
      expect(doc).toContain(`\n## ${r.id}\n`);
      expect(r.help.text.length).toBeGreaterThan(20);
      // the first sentence of the description, not cut at a colon
      expect(r.fullDescription.text.startsWith(r.shortDescription.text)).toBe(true);
      expect(r.shortDescription.text).not.toMatch(/:$/);
    }
  });
});
