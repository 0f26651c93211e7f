// Every samples/*/pre finding is confirmed by its model with the rule's outcome, the trace names
// functions of both sides; fix/ trees have no finding.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { analyzePaths } from '../../src/engine/analyze.js';

interface Sample { dir: string; pre: string; fix: string; rules: string[]; functions: Record<string, string[]> }
const manifest = JSON.parse(readFileSync('samples/manifest.json', 'utf8')) as Sample[];

const OUTCOME: Record<string, string[]> = {
  'lock-inversion': ['DEADLOCK'],
  'missing-barrier': ['STALE READ', 'STORE BUFFERING'],
  'check-then-act': ['ASSERTION'],
  'use-after-unlock': ['USE AFTER FREE'],
  'free-after-unlock': ['USE AFTER FREE'],
  'free-with-pending-callback': ['USE AFTER FREE'],
};

describe('confirmation on the samples', () => {
  for (const s of manifest) {
    it(`${s.dir}: pre/ findings confirmed with the right outcome`, async () => {
      const r = await analyzePaths([`samples/${s.dir}/${s.pre}`], { jobs: 1 });
      for (const rule of s.rules) {
        const fs = r.findings.filter((f) => f.rule === rule);
        expect(fs.length, rule).toBeGreaterThan(0);
        for (const f of fs) {
          expect(f.confirmation.status, `${rule} ${f.function}: ${f.confirmation.reason}`).toBe('confirmed');
          expect(OUTCOME[rule]).toContain(f.confirmation.outcome);
          const trace = f.confirmation.trace!;
          const cpus = new Set(trace.map((t) => t.cpu).filter((c) => c >= 0));
          const named = trace.map((t) => t.note ?? '').join(' ');
          if (f.witness.length > 1 && f.confirmation.method === 'extracted') {
            expect(cpus.has(0) && cpus.has(1), rule).toBe(true);
            // both sides' functions appear in the trace
            for (const p of f.witness.slice(0, 2)) expect(p.callChain.some((fn) => named.includes(`in ${fn}`)), `${rule}: ${p.label}`).toBe(true);
          }
        }
      }
      const inv = r.findings.find((f) => f.rule === 'lock-inversion' && f.locks.length === 2);
      if (inv) expect(inv.confirmation.method).toBe('extracted');
    });
    it(`${s.dir}: fix/ has no finding`, async () => {
      const r = await analyzePaths([`samples/${s.dir}/${s.fix}`], { jobs: 1 });
      expect(r.findings.filter((f) => f.confirmation.status === 'confirmed')).toEqual([]);
    });
  }
});
