// SARIF output must pass Microsoft's SARIF validator (the npm package runs a native binary).
import { describe, expect, it } from 'vitest';
import { sampleSources } from '../helpers/sample-sources.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSources } from '../../src/engine/analyze.js';
import { toSarif } from '../../src/report/sarif.js';
import { checkers } from '../../src/checkers/index.js';


const validator = join('node_modules', '.bin', 'sarif-multitool');

describe('SARIF', () => {
  const report = analyzeSources(sampleSources('samples/001-vgic-rank-inversion/pre'));
  const sarif = toSarif(report.findings, checkers.map((c) => c.meta), '0.1.0') as {
    runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; codeFlows: { threadFlows: unknown[] }[]; partialFingerprints: Record<string, string> }[] }[];
  };

  it('has rules, results with code flows per CPU, and fingerprints', () => {
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toContain('lock-inversion');
    const inv = run.results.find((r) => r.ruleId === 'lock-inversion')!;
    expect(inv.codeFlows[0]!.threadFlows.length).toBeGreaterThanOrEqual(2);
    expect(inv.partialFingerprints['lockcheck/v1']).toMatch(/^[0-9a-f]{16}$/);
  });

  it.skipIf(!existsSync(validator))("passes Microsoft's sarif-multitool validate with no results", () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-sarif-'));
    const input = join(dir, 'out.sarif');
    const log = join(dir, 'validation.sarif');
    writeFileSync(input, JSON.stringify(sarif));
    execFileSync(validator, ['validate', input, '--output', log, '--log', 'ForceOverwrite'], { stdio: 'pipe' });
    const v = JSON.parse(readFileSync(log, 'utf8')) as { runs: { results: { ruleId: string; message: unknown }[] }[] };
    expect(v.runs[0]!.results.map((r) => `${r.ruleId} ${JSON.stringify(r.message)}`)).toEqual([]);
  });

  it.skipIf(!existsSync(validator))('the validator does catch a broken log (so the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-sarif-'));
    const input = join(dir, 'bad.sarif');
    const log = join(dir, 'validation.sarif');
    const bad = structuredClone(sarif) as unknown as { runs: { results: { locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
    bad.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine = -3;
    writeFileSync(input, JSON.stringify(bad));
    try {
      execFileSync(validator, ['validate', input, '--output', log, '--log', 'ForceOverwrite'], { stdio: 'pipe' });
    } catch {
      /* non-zero exit on errors is fine */
    }
    const v = JSON.parse(readFileSync(log, 'utf8')) as { runs: { results: unknown[] }[] };
    expect(v.runs[0]!.results.length).toBeGreaterThan(0);
  });
});

describe('SARIF model trace', () => {
  const report = analyzeSources(sampleSources('samples/001-vgic-rank-inversion/pre'));
  const sarif = toSarif(report.findings, checkers.map((c) => c.meta), '0.1.0') as {
    runs: { results: { ruleId: string; codeFlows: { message: { text: string }; threadFlows: { id: string; locations: { executionOrder?: number }[] }[] }[] }[] }[];
  };

  it('adds the confirming interleaving as a second code flow, one thread flow per CPU', () => {
    const inv = sarif.runs[0]!.results.find((r) => r.ruleId === 'lock-inversion')!;
    expect(inv.codeFlows.length).toBe(2);
    const model = inv.codeFlows[1]!;
    expect(model.message.text).toMatch(/^model confirmed: DEADLOCK/);
    expect(model.threadFlows.map((t) => t.id)).toEqual(['CPU0', 'CPU1']);
    const orders = model.threadFlows.flatMap((t) => t.locations.map((l) => l.executionOrder!)).sort((a, b) => a - b);
    expect(orders[0]).toBe(1);
    expect(new Set(orders).size).toBe(orders.length);
  });
});
