// Access paths of C lvalues: `&old->arch.vgic.lock` -> root param:0 (vcpu*), fields arch.vgic.lock.
import type { LiteNode as SyntaxNode } from '../frontend/lite-tree.js';
import { specName, typeToString, unwrapDeclarator } from '../frontend/ctypes.js';
import type { AccessPath } from './types.js';

/** Names in scope of one function: parameters and locals with their declared types. */
export interface Scope {
  params: Map<string, { index: number; type: string }>;
  locals: Map<string, string>;
  /** File-level globals declared in this file (type, static). */
  globals: Map<string, { type: string; isStatic: boolean }>;
  file: string;
}

const ENTRY_MACROS = new Set([
  'container_of', 'container_of_safe', 'list_entry', 'list_first_entry', 'list_last_entry',
  'list_first_entry_or_null', 'hlist_entry', 'hlist_entry_safe', 'rb_entry', 'rb_entry_safe',
  'llist_entry', 'list_next_entry', 'list_prev_entry',
]);

export function typeNameOf(typeNode: SyntaxNode | null, declarator: SyntaxNode | null): string {
  const u = unwrapDeclarator(declarator);
  return typeToString({ name: specName(typeNode), ptr: u.ptr });
}

function typeDescriptorName(n: SyntaxNode | undefined): string | undefined {
  if (!n) return undefined;
  // `struct foo` inside a macro call argument parses as a type_descriptor or as an identifier pair
  const t = n.type === 'type_descriptor' ? n.childForFieldName('type') : null;
  if (t) return typeToString({ name: specName(t), ptr: 0 });
  const m = /^(?:struct|union)\s+([A-Za-z_]\w*)$/.exec(n.text.trim());
  if (m) return m[1];
  if (/^[A-Za-z_]\w*$/.test(n.text.trim())) return n.text.trim();
  return undefined;
}

function rootPath(root: string, text: string, rootType?: string): AccessPath {
  return rootType ? { root, fields: [], arrows: [], rootType, text } : { root, fields: [], arrows: [], text };
}

export function pathOf(node: SyntaxNode, scope: Scope): AccessPath | null {
  switch (node.type) {
    case 'identifier': {
      const name = node.text;
      const p = scope.params.get(name);
      if (p) return rootPath(`param:${p.index}`, name, p.type);
      const l = scope.locals.get(name);
      if (l !== undefined) return rootPath(`local:${name}`, name, l);
      const g = scope.globals.get(name);
      if (g) return rootPath(g.isStatic ? `global:${name}@${scope.file}` : `global:${name}`, name, g.type);
      return rootPath(`global:${name}`, name);
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildren[0];
      return inner && inner.type !== 'compound_statement' ? pathOf(inner, scope) : null;
    }
    case 'pointer_expression': {
      const arg = node.childForFieldName('argument');
      if (!arg) return null;
      const base = pathOf(arg, scope);
      if (!base) return null;
      if (node.child(0)?.type === '&') return { ...base, text: node.text };
      return { ...base, fields: [...base.fields, '[]'], arrows: [...base.arrows, true], text: node.text };
    }
    case 'field_expression': {
      const arg = node.childForFieldName('argument');
      const field = node.childForFieldName('field');
      if (!arg || !field) return null;
      const base = pathOf(arg, scope);
      if (!base) return null;
      const arrow = node.child(1)?.type === '->';
      return { ...base, fields: [...base.fields, field.text], arrows: [...base.arrows, arrow], text: node.text };
    }
    case 'subscript_expression': {
      const arg = node.childForFieldName('argument');
      if (!arg) return null;
      const base = pathOf(arg, scope);
      if (!base) return null;
      return { ...base, fields: [...base.fields, '[]'], arrows: [...base.arrows, false], text: node.text };
    }
    case 'cast_expression': {
      const t = node.childForFieldName('type');
      const v = node.childForFieldName('value');
      if (!v) return null;
      const inner = pathOf(v, scope);
      const tn = t ? typeNameOf(t.childForFieldName('type'), t.childForFieldName('declarator')) : undefined;
      if (inner && inner.fields.length === 0) return tn ? { ...inner, rootType: tn, text: node.text } : inner;
      return rootPath('?', node.text, tn);
    }
    case 'call_expression': {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments')?.namedChildren ?? [];
      const name = fn?.type === 'identifier' ? fn.text : undefined;
      if (!name) return null;
      if (ENTRY_MACROS.has(name)) {
        // `struct T` in an argument list may parse as a type descriptor, an ERROR + identifier, ...
        const argText = node.childForFieldName('arguments')?.text ?? '';
        const m = /^\(\s*[^,]*,\s*(?:(?:struct|union)\s+)?([A-Za-z_]\w*)\s*,/.exec(argText);
        const t = m ? m[1] : typeDescriptorName(args[1]);
        return rootPath(`ret:${name}`, node.text, t ? `${t}*` : undefined);
      }
      if (name === 'READ_ONCE' || name === 'ACCESS_ONCE' || name === 'rcu_dereference' || name === 'rcu_dereference_protected') {
        return args[0] ? pathOf(args[0], scope) : null;
      }
      const argText = (node.childForFieldName('arguments')?.text ?? '()').replace(/\s+/g, '').slice(1, -1);
      return { ...rootPath(`ret:${name}`, node.text), rootArgs: argText };
    }
    default:
      return null;
  }
}

/** Appends a member (`field: "arch.vgic.lock"` from a rule) to a path, through a pointer. */
export function withField(p: AccessPath, field: string | undefined): AccessPath {
  if (!field) return p;
  // `domain->arch.vgic.lock`: the first step goes through the argument pointer, later `->` too
  const steps = [...('->' + field).matchAll(/(->|\.)([A-Za-z_]\w*)/g)];
  return {
    ...p,
    fields: [...p.fields, ...steps.map((m) => m[2]!)],
    arrows: [...p.arrows, ...steps.map((m) => m[1] === '->')],
    text: `${p.text.replace(/^&/, '')}->${field}`,
  };
}

/** Paths are "shared" if they can name memory another CPU sees: anything but a plain local. */
export function isShared(p: AccessPath): boolean {
  if (p.root.startsWith('local:') || p.root.startsWith('param:')) return p.fields.length > 0;
  return true;
}
