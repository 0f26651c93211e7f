// `lockcheck model run FILE.ts`: type-check a (possibly hand-edited) model file against the
// builder's types with ts-morph, transpile it to JavaScript in-process, and evaluate it with
// `lockcheck/model` bound to the explorer. A type error names the file, line and message.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ts } from 'ts-morph';
import * as explorer from './explorer/index.js';
import type { ModelJSON } from './explorer/model.js';
import { MODEL_MODULE, modelProject, typeErrors } from './emit.js';

export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export interface UserModel {
  model: ModelJSON;
  valuations: Record<string, number>[];
  expected?: string;
}

export function loadUserModel(file: string, opts: { typeCheck?: boolean } = {}): UserModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelFileError(file, 0, `cannot read: ${(e as Error).message}`);
  }
  if (opts.typeCheck !== false) {
    const project = modelProject();
    const sf = project.createSourceFile(resolve(file), text, { overwrite: true });
    const errs = typeErrors(sf, sf.getPreEmitDiagnostics());
    const mine = errs.filter((e) => resolve(e.file) === resolve(file));
    const first = mine[0] ?? errs[0];
    if (first) throw new ModelFileError(file, first.line, `${first.message}${mine.length > 1 ? ` (and ${mine.length - 1} more type errors)` : ''}`);
  }
  const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: file }).outputText;
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  const req = (id: string): unknown => {
    if (id === MODEL_MODULE) return explorer;
    throw new ModelFileError(file, 1, `a model file can only import '${MODEL_MODULE}' (imports '${id}')`);
  };
  try {
    new Function('require', 'module', 'exports', js)(req, mod, mod.exports);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(file, 1, `evaluating the model failed: ${(e as Error).message}`);
  }
  const m = mod.exports.default as ModelJSON | undefined;
  if (!m || typeof m !== 'object' || !Array.isArray(m.threads)) throw new ModelFileError(file, 1, 'the file must `export default model({...})`');
  const vals = Array.isArray(mod.exports.valuations) ? (mod.exports.valuations as Record<string, number>[]) : [];
  const expected = typeof mod.exports.expected === 'string' ? mod.exports.expected : undefined;
  return { model: m, valuations: vals, ...(expected ? { expected } : {}) };
}
