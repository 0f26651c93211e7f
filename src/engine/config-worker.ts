// Worker-thread side of config-thread.ts: the later build configurations of a tree, built
// against this thread's own program of the first configuration, checked, and later confirmed.
import { parentPort } from 'node:worker_threads';
import { loadRules } from '../rules/load.js';
import { confirmFindings } from '../models/confirm.js';
import { analyzeConfigurations, type ConfigRun } from './per-config.js';
import { runCheckers } from './run-checkers.js';
import { CachedSources } from './source-lookup.js';
import { restoreFiles } from './transfer.js';
import { threadCpuSeconds } from './thread-cpu.js';
import type { FromWorker, RemoteRun, ToWorker } from './config-thread.js';

const port = parentPort!;
const sources = new CachedSources();
let kept: ConfigRun[] = [];

function send(m: FromWorker): void {
  port.postMessage(m);
}

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'job') {
      const { job } = m;
      const receivedMs = performance.timeOrigin + performance.now() - job.sentAt;
      const cpu = [threadCpuSeconds() ?? 0];
      restoreFiles(job.facts);
      const rules = loadRules(job.rulesDirs);
      const t = performance.now();
      let baseMs = 0;
      // the first configuration: built as on the main thread, not checked (the main thread does)
      const { runs, skipped } = analyzeConfigurations(job.facts, job.configs, rules, sources, job.opts, runCheckers, (i) => {
        if (i === 0) {
          baseMs = performance.now() - t;
          cpu.push(threadCpuSeconds() ?? 0);
        }
        return i > 0;
      });
      const later = runs.slice(1);
      if (job.confirm) kept = later;
      const out: RemoteRun[] = later.map((r) => ({
        config: r.config!,
        ...(r.base ? { base: r.base.shape.config! } : {}),
        findings: r.findings,
        ...(r.seconds !== undefined ? { seconds: r.seconds } : {}),
        ownFiles: [...(r.ownFiles ?? [])],
        ...(r.shape.reused ? { reused: [...r.shape.reused] } : {}),
        functions: [...r.shape.fileOf],
        files: r.shape.files,
      }));
      cpu.push(threadCpuSeconds() ?? 0);
      send({ type: 'runs', runs: out, skipped, receivedMs, baseMs, cpu });
    } else if (m.type === 'confirm') {
      const out = [];
      for (const [name, findings] of m.byConfig) {
        const r = kept.find((x) => x.shape.config === name);
        if (!r) throw new Error(`no run of configuration ${name}`);
        confirmFindings(findings, r.program!, { source: sources, lockGraph: r.lockGraph! });
        out.push(...findings);
      }
      kept = [];
      send({ type: 'confirmed', findings: out });
    } else if (m.type === 'close') port.close();
  } catch (e) {
    send({ type: 'error', message: (e as Error).stack ?? String(e) });
  }
});
