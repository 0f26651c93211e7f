// Same input, same output: the verdicts (and so severities and the exit code) do not depend on
// the number of worker threads or on the machine's load. Runs the built CLI (dist/), since
// worker threads only start from compiled code. --no-cache: every run parses, on its own threads.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

const BIN = resolve('bin/lockcheck.js');
const PRE = readdirSync('samples').filter((d) => existsSync(`samples/${d}/pre`)).map((d) => `samples/${d}/pre`);

/** The report without what is wall-clock time. */
function untimed(json: string): unknown {
  return JSON.parse(json, (k, v: unknown) => (k === 'seconds' || k === 'ms' ? undefined : v));
}

function run(jobs: number): { code: number | null; report: unknown } {
  const r = spawnSync(process.execPath, [BIN, '-f', 'json', '--no-progress', '--no-cache', '--jobs', String(jobs), ...PRE], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, report: untimed(r.stdout) };
}

describe('verdicts independent of --jobs and load', () => {
  it('gives identical JSON with 1 and 3 worker threads, and with another process loading the CPUs', () => {
    if (!existsSync(resolve('dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm ci does) before this test');
    const one = run(1);
    expect(one.code).toBe(1);
    const findings = (one.report as { findings: { confirmation: { status: string; states?: number } }[] }).findings;
    expect(findings.length).toBeGreaterThanOrEqual(8);
    expect(findings.every((f) => f.confirmation.status !== 'not-run' && f.confirmation.states !== undefined)).toBe(true);
    expect(run(3)).toEqual(one);
    // two busy loops on a 2-core machine: the models run slower, their verdicts must not change
    const burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      expect(run(2)).toEqual(one);
    } finally {
      for (const b of burners) b.kill();
    }
  }, 120_000);
});
