// Top-level declarations of one translation unit: structs and their field types, typedefs,
// globals, prototypes, function-like macros, and the function definitions to build IR for.
// Walks into #if/#ifdef groups and ERROR regions so one bad region loses only itself.
import { preprocArm, preprocParts, type Defines } from '../ir/preproc-cond.js';
import type { LiteNode as SyntaxNode } from './lite-tree.js';
import { specName, typeToString, unwrapDeclarator } from './ctypes.js';
import { designatedFunctions, type FnBinding } from './fn-tables.js';
import { enumConstants, macroConstant } from './constants.js';

export interface StructDef {
  name: string;
  fields: Record<string, string>;
  /** Members declared as bitfields (`bool pr:1;`). */
  bits?: string[];
  /**
   * A union that lays a whole word over bitfields (`union pte { uint64_t raw; struct { bool pr:1;
   * ... }; }`): the word member, and the bitfields as reached from the union (`pr`, `flds.remap_en`).
   * Such a type exists to be read and written whole: a hardware descriptor or a lock-free word.
   */
  overlay?: { raw: string; bits: string[]; line: number };
}

export interface GlobalDecl {
  name: string;
  type: string;
  isStatic: boolean;
}

export interface MacroDef {
  name: string;
  params: string[];
  body: string;
  line: number;
}

export interface FunctionDefNode {
  node: SyntaxNode;
  name: string;
  isStatic: boolean;
  returnType: string;
  /** Parameter list node. */
  params: SyntaxNode | null;
  body: SyntaxNode;
  annotations: string[];
}

export interface FileDecls {
  structs: StructDef[];
  typedefs: [string, string][];
  globals: GlobalDecl[];
  protos: [string, string][];
  macros: MacroDef[];
  /** Object-like macros whose body calls something named like a lock operation (`#define LOAD_LOCK spin_lock(&load_sem)`). */
  lockMacros: MacroDef[];
  functions: FunctionDefNode[];
  /** Function-pointer members bound by designated initializers of global tables. */
  fnptrs: FnBinding[];
  /** Integer macros and enumerators. */
  constants: [string, number][];
  errors: number;
}

function hasStorage(node: SyntaxNode, word: string): boolean {
  for (const c of node.namedChildren) {
    if (c.type === 'storage_class_specifier' && c.text === word) return true;
  }
  return false;
}

/** Registers a struct/union specifier with a body (and nested anonymous ones). Returns its name. */
function collectStruct(spec: SyntaxNode, out: StructDef[], anonName: string): string {
  const nameNode = spec.childForFieldName('name');
  const name = nameNode ? nameNode.text : anonName;
  const body = spec.childForFieldName('body');
  if (!body) return name;
  const fields: Record<string, string> = {};
  const bits: string[] = [];
  // for a union: the bitfields of its struct members, as reached from the union; its plain words
  const overlaid: string[] = [];
  const words: string[] = [];
  for (const f of body.namedChildren) {
    if (f.type !== 'field_declaration') continue;
    const t = f.childForFieldName('type');
    let base = specName(t);
    const declarators = f.childrenForFieldName('declarator');
    let inner: StructDef | undefined;
    if (t && (t.type === 'struct_specifier' || t.type === 'union_specifier') && t.childForFieldName('body')) {
      const firstName = declarators.length ? unwrapDeclarator(declarators[0]!).name : null;
      base = collectStruct(t, out, `${name}::${firstName ?? 'anon'}`);
      inner = out.find((s) => s.name === base);
      if (declarators.length === 0 && inner) {
        // anonymous member struct/union: its fields are reachable directly
        Object.assign(fields, inner.fields);
        overlaid.push(...(inner.bits ?? []));
      }
    } else if (t?.type === 'struct_specifier' && t.childForFieldName('name')) {
      inner = out.find((s) => s.name === t.childForFieldName('name')!.text);
    }
    if (f.namedChildren.some((c) => c.type === 'bitfield_clause')) {
      for (const d of declarators) {
        const u = unwrapDeclarator(d);
        if (u.name) bits.push(u.name);
      }
    }
    for (const d of declarators) {
      const u = unwrapDeclarator(d);
      if (!u.name) continue;
      fields[u.name] = typeToString({ name: base, ptr: u.isFunction ? 0 : u.ptr });
      if (inner?.bits?.length && u.ptr === 0) overlaid.push(...inner.bits.map((b) => `${u.name}.${b}`));
      else if (!inner && !u.isFunction && (u.ptr === 0 || d.type === 'array_declarator') && t?.type !== 'struct_specifier' && t?.type !== 'union_specifier') words.push(u.name);
    }
  }
  const def: StructDef = { name, fields };
  if (bits.length) def.bits = bits;
  if (spec.type === 'union_specifier' && overlaid.length >= 2 && words.length) def.overlay = { raw: words[0]!, bits: overlaid, line: spec.startPosition.row + 1 };
  out.push(def);
  return name;
}

function annotationsOf(fn: SyntaxNode): string[] {
  const out: string[] = [];
  const re = /__(acquires|releases|must_hold|cond_acquires)\s*\(([^)]*\)?)\)/g;
  const head = fn.text.slice(0, (fn.childForFieldName('body')?.startIndex ?? fn.endIndex) - fn.startIndex);
  for (const m of head.matchAll(re)) out.push(`${m[1]}(${m[2]})`);
  // boot-time code (`__init`, discarded after boot): runs before other CPUs or guests exist
  if (/\b__init\b/.test(head)) out.push('init');
  // control-flow-integrity marker of a function called through a pointer (Xen's `cf_check`)
  if (/\bcf_check\b/.test(head)) out.push('indirect');
  return out;
}

function collectEnum(spec: SyntaxNode | null, out: FileDecls): void {
  if (spec?.type !== 'enum_specifier') return;
  const body = spec.childForFieldName('body');
  if (body) out.constants.push(...enumConstants(body.text));
}

export function collectDecls(root: SyntaxNode, defines?: Defines): FileDecls {
  const out: FileDecls = { structs: [], typedefs: [], globals: [], protos: [], macros: [], lockMacros: [], functions: [], fnptrs: [], constants: [], errors: 0 };
  let anon = 0;
  const visit = (node: SyntaxNode): void => {
    for (const c of node.namedChildren) {
      switch (c.type) {
        case 'function_definition': {
          const body = c.childForFieldName('body');
          const u = unwrapDeclarator(c.childForFieldName('declarator'));
          if (!body || !u.name) break;
          const t = c.childForFieldName('type');
          // error recovery can read `for_each_cpu(cpu) per_cpu(x, cpu).y = 0;` as a definition of per_cpu()
          if (t && /for_each/.test(t.text)) {
            out.errors++;
            visit(body);
            break;
          }
          out.functions.push({
            node: c,
            name: u.name,
            isStatic: hasStorage(c, 'static'),
            returnType: typeToString({ name: specName(t), ptr: u.ptr }),
            params: u.fnDecl?.childForFieldName('parameters') ?? null,
            body,
            annotations: annotationsOf(c),
          });
          if (t && (t.type === 'struct_specifier' || t.type === 'union_specifier')) collectStruct(t, out.structs, `anon${anon++}`);
          break;
        }
        case 'declaration': {
          const t = c.childForFieldName('type');
          collectEnum(t, out);
          let base = specName(t);
          if (t && (t.type === 'struct_specifier' || t.type === 'union_specifier') && t.childForFieldName('body')) {
            base = collectStruct(t, out.structs, `anon${anon++}`);
          }
          const isStatic = hasStorage(c, 'static');
          for (const d of c.childrenForFieldName('declarator')) {
            const u = unwrapDeclarator(d);
            if (!u.name) continue;
            if (u.isFunction) out.protos.push([u.name, typeToString({ name: base, ptr: u.ptr })]);
            else out.globals.push({ name: u.name, type: typeToString({ name: base, ptr: u.ptr }), isStatic });
            const init = d.type === 'init_declarator' ? d.childForFieldName('value') : null;
            if (init?.type === 'initializer_list' && base && !u.isFunction) {
              out.fnptrs.push(...designatedFunctions(base, init.text, u.ptr > 0));
            }
          }
          break;
        }
        case 'type_definition': {
          const t = c.childForFieldName('type');
          collectEnum(t, out);
          let base = specName(t);
          const decls = c.childrenForFieldName('declarator');
          if (t && (t.type === 'struct_specifier' || t.type === 'union_specifier') && t.childForFieldName('body')) {
            const first = decls.length ? unwrapDeclarator(decls[0]!).name : null;
            base = collectStruct(t, out.structs, first ?? `anon${anon++}`);
          }
          for (const d of decls) {
            const u = unwrapDeclarator(d);
            if (u.name && u.name !== base) out.typedefs.push([u.name, typeToString({ name: base, ptr: u.ptr })]);
          }
          break;
        }
        case 'struct_specifier':
        case 'union_specifier':
          collectStruct(c, out.structs, `anon${anon++}`);
          break;
        case 'enum_specifier':
          collectEnum(c, out);
          break;
        case 'preproc_def': {
          // copied as a leaf (its text only): `#define NAME value`
          const m = /^#\s*define\s+([A-Za-z_]\w*)[ \t]+([^\n]+)/.exec(c.text);
          const k = m ? macroConstant(m[1]!, m[2]!.replace(/\/\*.*?\*\/|\/\/.*$/g, '')) : undefined;
          if (k) out.constants.push(k);
          else {
            // `#define LOAD_LOCK spin_lock(&load_sem)`, written as a statement `LOAD_LOCK;`
            const d = /^#\s*define\s+([A-Za-z_]\w*)(?![\w(])([\s\S]*)$/.exec(c.text.replace(/\\\r?\n/g, ' '));
            const body = d?.[2]!.replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim();
            if (d && body && /lock\w*\s*\(/i.test(body)) out.lockMacros.push({ name: d[1]!, params: [], body, line: c.startPosition.row + 1 });
          }
          break;
        }
        case 'preproc_function_def': {
          const name = c.childForFieldName('name')?.text;
          const params = c.childForFieldName('parameters');
          const value = c.childForFieldName('value');
          if (name && params && value) {
            out.macros.push({
              name,
              params: params.namedChildren.filter((p) => p.type === 'identifier').map((p) => p.text),
              body: value.text.replace(/\\\n/g, ' ').trim(),
              line: c.startPosition.row + 1,
            });
          }
          break;
        }
        case 'ERROR':
          out.errors++;
          visit(c);
          break;
        case 'preproc_if':
        case 'preproc_ifdef':
        case 'preproc_elif':
        case 'preproc_elifdef': {
          // the build's defines choose the arm (`#ifdef CONFIG_X` alternatives of one function)
          const { directive, condition } = preprocParts(c);
          const arm = preprocArm(directive, condition, defines);
          const alt = c.childForFieldName('alternative');
          if (arm === false) {
            if (alt) visit({ namedChildren: [alt] } as unknown as SyntaxNode);
          } else if (arm === true) visit({ namedChildren: c.namedChildren.filter((x) => x !== alt) } as unknown as SyntaxNode);
          else visit(c);
          break;
        }
        case 'preproc_else':
        case 'linkage_specification':
        case 'declaration_list':
          visit(c);
          break;
        case 'expression_statement':
          // a top-level macro invocation that swallowed what follows
          if (c.hasError) out.errors++;
          break;
        default:
          break;
      }
    }
  };
  visit(root);
  return out;
}
