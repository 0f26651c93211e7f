// Everything the whole-tree phase needs from one file: declarations and function IR.
// Produced in worker threads; plain data (structured-clone friendly).
import type { Defines } from '../ir/preproc-cond.js';
import { parseLite } from './lite-tree.js';
import { collectDecls, type MacroDef, type StructDef, type GlobalDecl } from './decls.js';
import { buildFunction } from '../ir/build.js';
import type { FunctionIR } from '../ir/types.js';
import type { RuleSet } from '../rules/load.js';
import type { FnBinding } from './fn-tables.js';
import { annotatedProtos, type AnnotatedProto } from './annotated-protos.js';

export interface FileFacts {
  file: string;
  lines: number;
  structs: StructDef[];
  typedefs: [string, string][];
  globals: GlobalDecl[];
  protos: [string, string][];
  macros: MacroDef[];
  /** Object-like lock macros (`#define LOAD_LOCK spin_lock(&load_sem)`), used as `LOAD_LOCK;`. */
  lockMacros?: MacroDef[];
  functions: FunctionIR[];
  /** Function-pointer members bound by designated initializers (struct type, member, function). */
  fnptrs: FnBinding[];
  /** Integer macros and enumerators (models use their real values). */
  constants: [string, number][];
  /**
   * Bare macro invocations at file scope with one identifier argument (`declare_mm_lock(p2m)`),
   * each with its line: macros that generate functions per name (src/analysis/lock-levels.ts).
   */
  topCalls?: [string, string, number][];
  /** Prototypes carrying sparse lock annotations (`__acquires(&d->lock)`), read from the text. */
  annotatedProtos?: AnnotatedProto[];
  parseErrors: number;
}

const TOP_CALL = /^([A-Za-z_]\w*)\(\s*([A-Za-z_]\w*)\s*\)\s*;?[ \t]*(?:\/\*.*)?$/gm;

export function extractFile(file: string, text: string, rules: RuleSet, defines?: Defines): FileFacts {
  const decls = collectDecls(parseLite(text), defines);
  const globals = new Map<string, { type: string; isStatic: boolean }>();
  for (const g of decls.globals) globals.set(g.name, { type: g.type, isStatic: g.isStatic });
  const functions: FunctionIR[] = [];
  let parseErrors = decls.errors;
  for (const def of decls.functions) {
    try {
      const fn = buildFunction(def, file, rules, globals, defines);
      parseErrors += fn.parseErrors;
      functions.push(fn);
    } catch {
      parseErrors++; // one function the builder cannot handle loses only itself
    }
  }
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  const topCalls: [string, string, number][] = [];
  let line = 1;
  let at = 0;
  for (const m of text.matchAll(TOP_CALL)) {
    for (; at < m.index!; at++) if (text.charCodeAt(at) === 10) line++;
    topCalls.push([m[1]!, m[2]!, line]);
  }
  const protos = annotatedProtos(text);
  return {
    file,
    lines,
    structs: decls.structs,
    typedefs: decls.typedefs,
    globals: decls.globals,
    protos: decls.protos,
    macros: decls.macros,
    ...(decls.lockMacros.length ? { lockMacros: decls.lockMacros } : {}),
    functions,
    fnptrs: decls.fnptrs,
    constants: decls.constants,
    ...(topCalls.length ? { topCalls } : {}),
    ...(protos.length ? { annotatedProtos: protos } : {}),
    parseErrors,
  };
}
