// Runs this checkout's CLI (bin/lockcheck.js, which uses its dist/) in a child process with a
// timeout, the JSON report written to a file. Resolves to { status, seconds, report?, detail? }
// with status 'ok' | 'error' | 'timeout'; never rejects.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'bin', 'lockcheck.js');

export function requireBuild() {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    process.stderr.write('bench: no dist/ here: run `npx tsc -p tsconfig.build.json` first\n');
    process.exit(2);
  }
}

// Children run in their own process group (so a timeout kills the whole run); end them with us.
const live = new Set();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    for (const pid of live) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    process.exit(130);
  });
}

/** `args` are the CLI arguments without `-f json -o FILE`; `out` is where the report goes. */
export function runLockcheck(args, out, { timeoutSec = 600 } = {}) {
  return new Promise((resolve) => {
    rmSync(out, { force: true });
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args, '-f', 'json', '-o', out, '--no-progress'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    live.add(child.pid);
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 20000) stderr = stderr.slice(-10000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutSec * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child.pid);
      const seconds = (performance.now() - t0) / 1000;
      if (timedOut) return resolve({ status: 'timeout', seconds, detail: `killed after ${timeoutSec} s` });
      // 0: clean, 1: findings at or above the fail level; anything else is a failure.
      if ((code === 0 || code === 1) && existsSync(out)) {
        try {
          return resolve({ status: 'ok', seconds, report: JSON.parse(readFileSync(out, 'utf8')), stderr: stderr.trim() });
        } catch (e) {
          return resolve({ status: 'error', seconds, detail: `unreadable report: ${e.message}` });
        }
      }
      resolve({ status: 'error', seconds, detail: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: 'error', seconds: (performance.now() - t0) / 1000, detail: e.message });
    });
  });
}

/** The parts of a finding the benches read (the full witness and traces are big). */
export function slimFinding(f) {
  return {
    id: f.id,
    rule: f.rule,
    category: f.category,
    severity: f.severity,
    file: f.file,
    line: f.line,
    function: f.function,
    functions: f.functions ?? [],
    locks: f.locks ?? [],
    message: f.message,
    chains: (f.witness ?? []).map((w) => ({ label: w.label, callChain: w.callChain ?? [], fns: [...new Set((w.steps ?? []).map((s) => s.function))] })),
    status: f.confirmation?.status,
    ...(f.change ? { change: f.change } : {}),
  };
}
