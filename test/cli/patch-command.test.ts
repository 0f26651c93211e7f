// `lockcheck patch`: every input form, with and without a tree, the CLI contract (formats,
// exit codes), change and the patch's messageId/subject on each finding.
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { patchCommand } from '../../src/cli/patch-command.js';
import type { Finding } from '../../src/report/finding.js';
import { ABBA_PATCH } from '../batch/fixtures.js';
import { gitTreeFrom } from '../batch/git-tree.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'lockcheck', 'patch', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const S1 = 'samples/001-vgic-rank-inversion';
const tmp = () => mkdtempSync(join(tmpdir(), 'lockcheck-patch-'));

describe('lockcheck patch with --tree', () => {
  const fixTree = gitTreeFrom(`${S1}/fix`);
  const preTree = gitTreeFrom(`${S1}/pre`);

  it('bug.patch against a checkout of fix/: the lock inversion is introduced (JSON), exit 1', async () => {
    const { code, out } = await run('--tree', fixTree, '-f', 'json', `${S1}/bug.patch`);
    expect(code).toBe(1);
    const doc = JSON.parse(out) as { version: number; findings: Finding[] };
    expect(doc.version).toBe(1);
    const inv = doc.findings.filter((f) => f.rule === 'lock-inversion');
    expect(inv.length).toBeGreaterThan(0);
    for (const f of doc.findings) {
      expect(f.change).toBe('introduced');
      expect(f.extra?.messageId).toBe('1482273720-20161220-lockcheck-001-bug@kernel.org');
      expect(f.extra?.subject).toBe('[PATCH] xen/arm: take the rank lock to read the target vcpu');
      expect(f.extra?.confidence).toBeUndefined();
    }
  });

  it('fix.patch against a checkout of pre/: nothing introduced (exit 0); --all-changes shows it fixed', async () => {
    const plain = await run('--tree', preTree, '-f', 'json', `${S1}/fix.patch`);
    expect(plain.code).toBe(0);
    expect((JSON.parse(plain.out) as { findings: Finding[] }).findings.filter((f) => f.rule === 'lock-inversion')).toEqual([]);
    const all = await run('--tree', preTree, '--all-changes', '-f', 'json', `${S1}/fix.patch`);
    // a fix patch: the fixed findings are shown but do not fail the run
    expect(all.code).toBe(0);
    expect(all.err).toMatch(/0 introduced, [1-9]\d* fixed, \d+ pre-existing/);
    const fixed = (JSON.parse(all.out) as { findings: Finding[] }).findings.filter((f) => f.rule === 'lock-inversion');
    expect(fixed.length).toBeGreaterThan(0);
    expect(fixed.every((f) => f.change === 'fixed')).toBe(true);
  });

  it('text output shows the trace and the change; SARIF is valid JSON', async () => {
    const text = await run('--tree', fixTree, `${S1}/bug.patch`);
    expect(text.out).toContain('[lock-inversion]');
    expect(text.out).toContain('change: introduced');
    expect(text.out).toMatch(/CPU0/);
    const sarif = await run('--tree', fixTree, '-f', 'sarif', `${S1}/bug.patch`);
    expect(JSON.parse(sarif.out).version).toBe('2.1.0');
  });

  it('a checkout without the blobs (plain files, no git): pre-images by applying the patch to the files', async () => {
    const dir = tmp();
    // Only the files: no .git, so the index blob ids cannot be resolved.
    const { cpSync } = await import('node:fs');
    cpSync(`${S1}/fix`, dir, { recursive: true });
    const { code, out, err } = await run('--tree', dir, '-f', 'json', `${S1}/bug.patch`);
    expect(err).toContain('not a git checkout');
    expect(code).toBe(1);
    expect((JSON.parse(out) as { findings: Finding[] }).findings.some((f) => f.rule === 'lock-inversion' && f.change === 'introduced')).toBe(true);
  });

  it('a patch that does not apply falls back to the hunks, says so, and marks low confidence', async () => {
    const dir = tmp();
    const broken = readFileSync(`${S1}/bug.patch`, 'utf8').replace(/^index [0-9a-f]+\.\.[0-9a-f]+ /gm, 'index 0123456..89abcde ');
    writeFileSync(join(dir, 'broken.patch'), broken);
    const other = gitTreeFrom('samples/000-evtchn-fifo-old-tail/fix');
    const { code, err, out } = await run('--tree', other, '-f', 'json', join(dir, 'broken.patch'));
    expect(err).toMatch(/missing-file|does-not-apply/);
    expect([0, 1]).toContain(code);
    for (const f of (JSON.parse(out) as { findings: Finding[] }).findings) expect(f.extra?.confidence).toBe('low');
  });
});

describe('lockcheck patch without a tree', () => {
  it('format-patch file: analyzed from the hunks, findings low confidence', async () => {
    const { code, out } = await run('--all-changes', '-f', 'json', `${S1}/bug.patch`);
    expect([0, 1]).toContain(code);
    const doc = JSON.parse(out) as { findings: Finding[]; stats: { files: number } };
    expect(doc.stats.files).toBeGreaterThan(0);
    for (const f of doc.findings) expect(f.extra?.confidence).toBe('low');
  });

  it('a plain diff with an ABBA the hunks show: introduced, low confidence, exit 1', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'abba.diff'), ABBA_PATCH);
    const { code, out } = await run('-f', 'json', join(dir, 'abba.diff'));
    expect(code).toBe(1);
    const f = (JSON.parse(out) as { findings: Finding[] }).findings.find((x) => x.rule === 'lock-inversion');
    expect(f?.change).toBe('introduced');
    expect(f?.extra?.confidence).toBe('low');
    expect(f?.message).toContain('low confidence');
  });

  it('stdin (-) reads the patch from standard input', async () => {
    let out = '';
    const code = await patchCommand(['--all-changes', '-f', 'json', '-'], { stdout: (s) => (out += s), stderr: () => {} }, () => readFileSync(`${S1}/bug.patch`));
    const fp = await run('--all-changes', '-f', 'json', `${S1}/bug.patch`);
    const ids = (s: string) => (JSON.parse(s) as { findings: Finding[] }).findings.map((f) => f.id).sort();
    expect(ids(out)).toEqual(ids(fp.out));
    expect(code).toBe(fp.code);
    expect((JSON.parse(out) as { stats: { files: number } }).stats.files).toBeGreaterThan(0);
  });

  it('an .eml is the same input form as the format-patch file', async () => {
    const dir = tmp();
    const text = readFileSync(`${S1}/bug.patch`, 'utf8').split('\n').slice(1).join('\n'); // no `From <sha>` line: an .eml
    writeFileSync(join(dir, 'bug.eml'), text);
    const eml = await run('--all-changes', '-f', 'json', join(dir, 'bug.eml'));
    const fp = await run('--all-changes', '-f', 'json', `${S1}/bug.patch`);
    const ids = (s: string) => (JSON.parse(s) as { findings: Finding[] }).findings.map((f) => f.id).sort();
    expect(ids(eml.out)).toEqual(ids(fp.out));
    expect(eml.code).toBe(fp.code);
  });

  it('an mbox of a series: every patch analyzed, findings carry their own subject', async () => {
    const dir = tmp();
    const mbox = ['samples/000-evtchn-fifo-old-tail/bug.patch', `${S1}/bug.patch`].map((p) => readFileSync(p, 'utf8')).join('\n');
    writeFileSync(join(dir, 'series.mbox'), mbox);
    const abba = await run('-f', 'json', '--all-changes', join(dir, 'series.mbox'));
    expect([0, 1]).toContain(abba.code);
    const doc = JSON.parse(abba.out) as { findings: Finding[]; stats: { files: number } };
    expect(doc.stats.files).toBeGreaterThanOrEqual(5);
  });

  it('writes a reply .eml with --reply-dir', async () => {
    const dir = tmp();
    const mail = `From: Dev <dev@example.org>\nSubject: [PATCH] foo: reorder\nMessage-ID: <abba-1@example.org>\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nReorder.\n\nSigned-off-by: Dev <dev@example.org>\n---\n${ABBA_PATCH}`;
    writeFileSync(join(dir, 'abba.eml'), mail);
    const noTree = await run('-f', 'json', '--reply-dir', join(dir, 'replies'), join(dir, 'abba.eml'));
    expect(noTree.code).toBe(2);
    expect(noTree.err).toContain('--reply-dir needs --tree');
    const { code } = await run('-f', 'json', '--reply-dir', join(dir, 'replies'), '--reply-hunk-only', join(dir, 'abba.eml'));
    expect(code).toBe(1);
    const files = readdirSync(join(dir, 'replies')).filter((f) => f.endsWith('.eml'));
    expect(files).toEqual(['abba-1@example.org.eml']);
    const eml = readFileSync(join(dir, 'replies', files[0]!), 'utf8');
    expect(eml).toMatch(/^Subject: Re: \[PATCH\] foo: reorder$/m);
    expect(eml).toMatch(/^In-Reply-To: <abba-1@example.org>$/m);
  });

  it('usage errors and inputs without a patch exit 2', async () => {
    expect((await run('/nonexistent.patch')).code).toBe(2);
    const dir = tmp();
    writeFileSync(join(dir, 'note.eml'), 'From: a@b\nSubject: hello\nMessage-ID: <x@y>\n\nno diff here\n');
    const r = await run(join(dir, 'note.eml'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('no patch could be analyzed');
    expect((await run('--tree', '/nonexistent-dir', `${S1}/bug.patch`)).code).toBe(2);
  });
});

const SEEDS = fileURLToPath(new URL('../../../shared/seeds', import.meta.url));
const seedsPresent = existsSync(SEEDS);
if (!seedsPresent) console.warn(`[patch-command.test] seed archive pages skipped: ${SEEDS} is absent`);

describe.skipIf(!seedsPresent)('lockcheck patch on a seed mail-archive page', () => {
  it('001 (patchwork page of the vGIC fix) against a checkout of pre/: analyzed, nothing introduced', async () => {
    const tree = gitTreeFrom(`${S1}/pre`);
    const { code, out, err } = await run('--tree', tree, '--all-changes', '-f', 'json', join(SEEDS, '001_553bf4098d4b9a97.txt'));
    expect(code, err).not.toBe(2);
    const doc = JSON.parse(out) as { findings: Finding[]; stats: { files: number } };
    expect(doc.stats.files).toBeGreaterThan(0);
    expect(doc.findings.filter((f) => f.change === 'introduced' && f.rule === 'lock-inversion')).toEqual([]);
    for (const f of doc.findings) expect(f.extra?.subject).toMatch(/rank\/vgic lock inversion/);
  });
  it('every seed page with a diff is analyzed without a tree; the reply without one exits 2 and says why', async () => {
    for (const s of readdirSync(SEEDS)) {
      const r = await run('-f', 'json', join(SEEDS, s));
      if (s.startsWith('002_')) {
        expect(r.code).toBe(2);
        expect(r.err).toContain('not-a-patch (reply)');
      } else expect(r.code, `${s}: ${r.err}`).not.toBe(2);
    }
  });
});

describe('lockcheck patch: rule selection like the main command', () => {
  it("reads the tree's .github/lockcheck.yml, takes --disable and --config, and rejects a misspelled rule", async () => {
    const fixTree = gitTreeFrom(`${S1}/fix`);
    const base = await run('--tree', fixTree, '-f', 'json', `${S1}/bug.patch`);
    expect((JSON.parse(base.out) as { findings: Finding[] }).findings.some((f) => f.rule === 'lock-inversion')).toBe(true);

    const disabled = await run('--tree', fixTree, '-f', 'json', '--disable', 'lock-order', `${S1}/bug.patch`);
    expect((JSON.parse(disabled.out) as { findings: Finding[] }).findings.filter((f) => f.category === 'lock-order')).toEqual([]);

    const withCfg = gitTreeFrom(`${S1}/fix`);
    mkdirSync(join(withCfg, '.github'));
    writeFileSync(join(withCfg, '.github', 'lockcheck.yml'), 'rules:\n  lock-inversion: note\n');
    const fromTree = await run('--tree', withCfg, '-f', 'json', `${S1}/bug.patch`);
    const inv = (JSON.parse(fromTree.out) as { findings: Finding[] }).findings.filter((f) => f.rule === 'lock-inversion');
    expect(inv.length).toBeGreaterThan(0);
    expect(inv.every((f) => f.severity === 'note')).toBe(true);
    expect(fromTree.err).toContain('.github/lockcheck.yml');

    const typo = await run('--tree', fixTree, '--rule', 'lock-inversions', `${S1}/bug.patch`);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('did you mean lock-inversion?');
  });
});
