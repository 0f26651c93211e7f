// `lockcheck model --emit FINDING_ID [-o FILE] PATH...`: write the extracted model of one
// finding as TypeScript. `lockcheck model run FILE.ts`: run a (possibly edited) model file and
// print the verdict and the interleaving. Exit 0 no violation, 1 violation, 2 error.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { analyzePaths } from '../engine/analyze.js';
import { CachedSources } from '../engine/source-lookup.js';
import { explore, type ExploreResult } from '../models/explorer/explore.js';
import { extractModel } from '../models/extract/index.js';
import { runScript } from '../models/confirm.js';
import { emitModel, EmitError } from '../models/emit.js';
import { loadUserModel, ModelFileError } from '../models/load-user-model.js';
import { renderTrace } from '../models/trace-text.js';
import { RuleError } from '../rules/load.js';
import type { CliIO } from './main.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function verdictText(r: ExploreResult, expected: string | undefined): string {
  const head = `model ${r.model}: ${r.status}${r.outcome ? ` (${r.outcome})` : ''}, ${r.states} states, ${r.ms} ms${r.reason ? `: ${r.reason}` : ''}`;
  const lines = [head];
  if (expected && r.status === 'confirmed' && r.outcome !== expected) lines.push(`note: the finding predicted ${expected}`);
  if (r.status === 'confirmed') lines.push('', renderTrace(r));
  return lines.join('\n') + '\n';
}

export async function modelCommand(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const cmd = new Command('lockcheck model')
    .description('Write the extracted model of a finding as TypeScript (--emit), or run a model file (run FILE.ts).')
    .argument('[paths...]', 'C files or directories to analyze (with --emit)')
    .option('--emit <id>', 'finding id (or a unique prefix) whose model to write')
    .option('-o, --output <file>', 'write the model here instead of stdout')
    .option('--rules <dir>', 'extra rule tables (YAML) to load; repeatable', collect, [] as string[])
    .option('-j, --jobs <n>', 'worker threads', (v) => Number.parseInt(v, 10))
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (paths: string[], o: { emit?: string; output?: string; rules: string[]; jobs?: number }) => {
      if (!o.emit || paths.length === 0) {
        io.stderr('lockcheck model: give --emit FINDING_ID and the PATHs it was found in, or `run FILE.ts`\n');
        code = 2;
        return;
      }
      const report = await analyzePaths(paths, { rulesDirs: o.rules, confirm: false, allRules: true, keepPrograms: true, ...(o.jobs ? { jobs: o.jobs } : {}) });
      const hits = report.findings.filter((f) => f.id === o.emit || f.id.startsWith(o.emit!));
      if (hits.length !== 1) {
        io.stderr(`lockcheck model: ${hits.length ? `${hits.length} findings match` : 'no finding has'} id ${o.emit}\n`);
        code = 2;
        return;
      }
      const f = hits[0]!;
      const x = extractModel(f, report.programOf(f), new CachedSources());
      if (!x.ok) {
        io.stderr(`lockcheck model: no model for ${f.id} [${f.rule}]: ${x.reason}\n`);
        code = 2;
        return;
      }
      // emit the valuation that shows the violation, when there is one
      const v = runScript(x.script, x.method);
      const text = emitModel(x.script, f, v.confirmation.status === 'confirmed' ? v.valuation : {}, o.output ?? 'model.lockcheck.ts');
      if (o.output) {
        writeFileSync(o.output, text);
        io.stderr(`lockcheck model: wrote ${o.output} (${x.method}, ${v.confirmation.status}${v.confirmation.outcome ? ` ${v.confirmation.outcome}` : ''})\n`);
      } else io.stdout(text);
    });
  cmd
    .command('run')
    .description('type-check, compile and explore a model file')
    .argument('<file>', 'model file (.ts) exporting `default model({...})`')
    .option('--max-states <n>', 'state limit', (v) => Number.parseInt(v, 10))
    .option('--time <ms>', 'time limit per exploration', (v) => Number.parseInt(v, 10))
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action((file: string, o: { maxStates?: number; time?: number }) => {
      const um = loadUserModel(file);
      const vals = um.valuations.length ? um.valuations : [{}];
      let res: ExploreResult | undefined;
      for (const v of vals) {
        const r = explore({ ...um.model, vars: { ...um.model.vars, ...v } }, { ...(o.maxStates ? { maxStates: o.maxStates } : {}), timeMs: o.time ?? 10_000 });
        if (!res || r.status === 'confirmed' || (r.status === 'unknown' && res.status === 'refuted')) res = r;
        if (r.status === 'confirmed') break;
      }
      io.stdout(verdictText(res!, um.expected));
      code = res!.status === 'confirmed' ? 1 : 0;
    });
  try {
    await cmd.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ModelFileError) {
      io.stderr(`lockcheck model: ${e.file}:${e.line}: ${e.reason}\n`);
      return 2;
    }
    if (e instanceof EmitError || e instanceof RuleError) {
      io.stderr(`lockcheck model: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && /ModelError/.test(e.constructor.name)) {
      io.stderr(`lockcheck model: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return code;
}
