// The GitHub Action's script (scripts/action.sh, what action.yml runs) on a two-commit git
// repository whose second commit introduces a lock-order inversion.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const SCRIPT = resolve('scripts/action.sh');
const CLI = resolve('dist/cli/main.js');

const BASE_C = `struct spinlock { int v; };
typedef struct spinlock spinlock_t;
void spin_lock(spinlock_t *l);
void spin_unlock(spinlock_t *l);

struct queue { spinlock_t lock; int len; };
struct port { spinlock_t lock; struct queue *q; int state; };

void port_push(struct port *p)
{
    spin_lock(&p->lock);
    spin_lock(&p->q->lock);
    p->q->len++;
    spin_unlock(&p->q->lock);
    spin_unlock(&p->lock);
}
`;
// the change: a second path taking the two locks the other way round
const INVERSION = `
void queue_drain(struct queue *q, struct port *p)
{
    spin_lock(&q->lock);
    spin_lock(&p->lock);
    p->state = 0;
    q->len = 0;
    spin_unlock(&p->lock);
    spin_unlock(&q->lock);
}
`;

let repo = '';
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();

function action(env: Record<string, string>): { code: number; out: string; err: string; outputs: Record<string, string> } {
  const ghOut = join(mkdtempSync(join(tmpdir(), 'lc-ghout-')), 'output');
  writeFileSync(ghOut, '');
  const r = spawnSync('bash', [SCRIPT], { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? tmpdir(), LOCKCHECK_CACHE_DIR: process.env.LOCKCHECK_CACHE_DIR!, GITHUB_OUTPUT: ghOut, LOCKCHECK_JOBS: '1', ...env } });
  const outputs = Object.fromEntries(readFileSync(ghOut, 'utf8').trim().split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, outputs };
}

describe('GitHub Action script', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm ci does) before this test`);
    repo = mkdtempSync(join(tmpdir(), 'lc-action-'));
    mkdirSync(join(repo, 'src'));
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    git('config', 'user.email', 'dev@example.com');
    git('config', 'user.name', 'dev');
    writeFileSync(join(repo, 'src', 'queue.c'), BASE_C);
    writeFileSync(join(repo, 'README'), 'a queue\n');
    git('add', '.');
    git('commit', '-qm', 'queue: port_push');
    appendFileSync(join(repo, 'src', 'queue.c'), INVERSION);
    git('commit', '-qam', 'queue: add queue_drain');
  });

  it('only-introduced: annotates the inversion the second commit introduces, fails the step, writes SARIF, leaves no worktree behind', () => {
    const sarif = join(repo, 'lockcheck.sarif');
    const r = action({ LOCKCHECK_ONLY_INTRODUCED: 'true', LOCKCHECK_BASE: git('rev-parse', 'HEAD~1'), LOCKCHECK_SARIF: sarif });
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error file=src\/queue\.c,line=\d+,col=\d+,title=lockcheck lock-inversion \(introduced\)::possible lock-order inversion \(2 locks\): takes queue\.lock while holding port\.lock in port_push; and port\.lock while holding queue\.lock in queue_drain%0ACPU0: port_push%0ACPU1: queue_drain%0Amodel: confirmed \(DEADLOCK\)$/);
    expect(r.outputs).toEqual({ 'exit-code': '1', 'sarif-file': sarif });
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; properties: { change: string } }[] }[] };
    expect(log.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.properties.change])).toEqual([['lock-inversion', 'src/queue.c', 'introduced']]);
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('only-introduced: a later change that leaves the cycle as it was passes (the inversion is pre-existing)', () => {
    const here = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'src', 'queue.c'), BASE_C.replace('int len;', 'int len; /* entries */') + INVERSION);
    git('commit', '-qam', 'queue: comment');
    try {
      const r = action({ LOCKCHECK_ONLY_INTRODUCED: 'true', LOCKCHECK_BASE: here });
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
      expect(r.outputs['exit-code']).toBe('0');
    } finally {
      git('reset', '-q', '--hard', here);
    }
  });

  it('only-introduced: a change that touches no C file says so and passes', () => {
    const here = git('rev-parse', 'HEAD');
    appendFileSync(join(repo, 'README'), 'more\n');
    git('commit', '-qam', 'docs');
    try {
      const r = action({ LOCKCHECK_ONLY_INTRODUCED: 'true', LOCKCHECK_BASE: here });
      expect(r.code).toBe(0);
      expect(r.err).toContain('the change touches no C file');
    } finally {
      git('reset', '-q', '--hard', here);
    }
  });

  it('whole tree: the inversion at HEAD fails at the default level and passes with fail-level error only when demoted by the config', () => {
    const r = action({ LOCKCHECK_PATHS: 'src' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^::error file=src\/queue\.c,line=12,col=5,title=lockcheck lock-inversion::/);
    const cfg = join(repo, 'lc.yml');
    writeFileSync(cfg, 'rules:\n  lock-inversion: warning\n');
    const demoted = action({ LOCKCHECK_PATHS: 'src', LOCKCHECK_CONFIG: cfg, LOCKCHECK_FAIL_LEVEL: 'error', LOCKCHECK_FORMAT: 'rdjsonl' });
    expect(demoted.code).toBe(0);
    expect(JSON.parse(demoted.out.trim())).toMatchObject({ severity: 'WARNING', code: { value: 'lock-inversion' }, location: { path: 'src/queue.c' } });
  });

  it('only-introduced without a base is a clear usage error', () => {
    const r = action({ LOCKCHECK_ONLY_INTRODUCED: 'true' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('only-introduced needs the change');
  });

  it('action.yml hands every input to the script', () => {
    const a = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown>; runs: { using: string; steps: { id?: string; env?: Record<string, string>; run?: string }[] } };
    expect(a.runs.using).toBe('composite');
    const step = a.runs.steps.find((s) => s.id === 'lockcheck')!;
    expect(step.run).toContain('scripts/action.sh');
    const used = Object.values(step.env ?? {}).join(' ');
    for (const name of Object.keys(a.inputs)) expect(used, `input ${name}`).toContain(`inputs.${name}`);
  });
});
