// `lockcheck model --emit`: an extracted model as a readable TypeScript file that uses the
// explorer's builder (`t.lock(...)`, `t.if(...)`), generated with ts-morph and type-checked
// against the builder's own types before it is written.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Project, QuoteKind, type Diagnostic, type SourceFile, type CodeBlockWriter } from 'ts-morph';
import type { Finding } from '../report/finding.js';
import type { ModelScript, ScriptStep } from './extract/script.js';

/** The module specifier emitted files import the builder from. */
export const MODEL_MODULE = 'lockcheck/model';

/** The builder's TypeScript source (its types), from src/ or from dist/ inside a checkout. */
export function builderTypesPath(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const cands = [join(here, 'explorer', 'model.ts'), resolve(here, '..', '..', 'src', 'models', 'explorer', 'model.ts')];
  return cands.find((c) => existsSync(c));
}

export function modelProject(): Project {
  const types = builderTypesPath();
  return new Project({
    compilerOptions: {
      strict: true,
      target: 9 /* ES2022 */,
      module: 199 /* NodeNext */,
      moduleResolution: 99 /* NodeNext */,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      ...(types ? { paths: { [MODEL_MODULE]: [types] } } : {}),
      types: [],
    },
    skipAddingFilesFromTsConfig: true,
    manipulationSettings: { quoteKind: QuoteKind.Single },
  });
}

export interface TypeError_ {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function typeErrors(sf: SourceFile, diags: Diagnostic[]): TypeError_[] {
  return diags
    .filter((d) => d.getCategory() === 1 /* Error */)
    .map((d) => {
      const start = d.getStart() ?? 0;
      const pos = sf.getLineAndColumnAtPos(start);
      const msg = d.getMessageText();
      return { file: d.getSourceFile()?.getFilePath() ?? sf.getFilePath(), line: pos.line, col: pos.column, message: typeof msg === 'string' ? msg : msg.getMessageText() };
    });
}

function lit(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  if (v && typeof v === 'object') {
    const e = Object.entries(v).filter(([, x]) => x !== undefined);
    if (!e.length) return '{}';
    return `{ ${e.map(([k, x]) => `${/^[A-Za-z_]\w*$/.test(k) ? k : lit(k)}: ${lit(x)}`).join(', ')} }`;
  }
  return 'null';
}

function writeSteps(w: CodeBlockWriter, steps: ScriptStep[], t: string, file: { cur: string | undefined }): void {
  for (const s of steps) {
    if (s.call === 'if' && 'cond' in s) {
      const { code, line } = s.src ?? {};
      w.writeLine(`${t}.if(${lit(s.cond)}, (${t}) => {`);
      w.indent(() => writeSteps(w, s.then, t, file));
      w.writeLine(`}, undefined, ${lit({ ...(line !== undefined ? { line } : {}), ...(code ? { code } : {}) })});`);
      continue;
    }
    const args = [...(s as { args: unknown[] }).args];
    const last = args[args.length - 1];
    if (last && typeof last === 'object' && !Array.isArray(last)) {
      const o = { ...(last as Record<string, unknown>) };
      if (typeof o.file === 'string') {
        if (o.file !== file.cur) {
          w.writeLine(`${t}.file(${lit(o.file)});`);
          file.cur = o.file;
        }
        delete o.file;
      }
      args[args.length - 1] = o;
      if (Object.keys(o).length === 0) args.pop();
    }
    while (args.length && args[args.length - 1] === undefined) args.pop();
    w.writeLine(`${t}.${s.call}(${args.map(lit).join(', ')});`);
  }
}

/** Write the model as TypeScript into `sf` (replacing its text). */
export function writeModel(sf: SourceFile, s: ModelScript, f: Finding | undefined, valuation: Record<string, number>): void {
  sf.replaceWithText('');
  const head = [
    `lockcheck model${f ? ` of finding ${f.id} [${f.rule}]` : ` ${s.name}`}`,
    ...(f ? [`${f.file}:${f.line}: ${f.message}`] : []),
    `Expected outcome: ${s.expect}. Edit it and run: lockcheck model run <this file>`,
  ];
  sf.addImportDeclaration({ moduleSpecifier: MODEL_MODULE, namedImports: ['model'] });
  sf.addStatements((w) => {
    w.blankLine();
    w.writeLine('/** The outcome the finding predicts. */');
    w.writeLine(`export const expected = ${lit(s.expect)};`);
    w.blankLine();
    w.writeLine('/** Initial values tried for the shared variables the branch conditions read (each overrides `vars`). */');
    w.writeLine(`export const valuations: Record<string, number>[] = ${lit(s.valuations)};`);
    w.blankLine();
    w.writeLine('export default model({');
    w.indent(() => {
      w.writeLine(`name: ${lit(s.name)},`);
      w.writeLine(`description: ${lit(s.description)},`);
      w.writeLine(`vars: ${lit({ ...s.vars, ...valuation })},`);
      w.writeLine(`locks: ${lit(s.locks)},`);
      if (s.objects) w.writeLine(`objects: ${lit(s.objects)},`);
      if (s.memory) w.writeLine(`memory: ${lit(s.memory)},`);
      if (s.invariant) w.writeLine(`invariant: ${lit(s.invariant)},`);
      w.writeLine('threads: [');
      w.indent(() => {
        for (const th of s.threads) {
          w.writeLine(`[${lit(th.name)}, (t) => {`);
          w.indent(() => writeSteps(w, th.steps, 't', { cur: undefined }));
          w.writeLine('}],');
        }
      });
      w.writeLine('],');
    });
    w.writeLine('});');
  });
  sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
  sf.insertText(0, head.map((h) => `// ${h}\n`).join('') + '\n');
}

export class EmitError extends Error {}

/** The TypeScript text of a model, type-checked; throws EmitError listing the type errors. */
export function emitModel(s: ModelScript, f: Finding | undefined, valuation: Record<string, number> = {}, path = '/model.lockcheck.ts'): string {
  const project = modelProject();
  const sf = project.createSourceFile(resolve(path), '', { overwrite: true });
  writeModel(sf, s, f, valuation);
  const errs = typeErrors(sf, sf.getPreEmitDiagnostics());
  if (errs.length) throw new EmitError(`generated model does not type-check: ${errs.map((e) => `${e.line}:${e.col}: ${e.message}`).join('; ')}`);
  return sf.getFullText();
}
