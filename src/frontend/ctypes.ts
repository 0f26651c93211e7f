// C types as the analysis needs them: a base name (struct/union/typedef/primitive) and a pointer depth.
import type { LiteNode as SyntaxNode } from './lite-tree.js';

export interface CType {
  name: string;
  ptr: number;
}

export function typeToString(t: CType): string {
  return t.name + '*'.repeat(t.ptr);
}

export function parseTypeString(s: string): CType {
  const m = /^(.*?)(\**)$/.exec(s)!;
  return { name: m[1]!, ptr: m[2]!.length };
}

/** Base name of a type specifier node: `struct vcpu` -> `vcpu`, `spinlock_t` -> `spinlock_t`. */
export function specName(spec: SyntaxNode | null): string {
  if (!spec) return '?';
  switch (spec.type) {
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const n = spec.childForFieldName('name');
      return n ? n.text : '?anon';
    }
    case 'type_identifier':
    case 'primitive_type':
    case 'sized_type_specifier':
      return spec.text.replace(/\s+/g, ' ');
    case 'macro_type_specifier': {
      // DECLARE_BITMAP-like or typeof(): keep the macro name
      const n = spec.childForFieldName('name');
      return n ? n.text : '?';
    }
    default:
      return spec.text.length < 40 ? spec.text : '?';
  }
}

/**
 * Walks a declarator to its identifier, counting pointer levels and array dimensions
 * (an array counts as one pointer level: `a[i]` then takes one away).
 */
export function unwrapDeclarator(d: SyntaxNode | null): { name: string | null; ptr: number; isFunction: boolean; fnDecl: SyntaxNode | null } {
  let ptr = 0;
  let isFunction = false;
  let fnDecl: SyntaxNode | null = null;
  let cur = d;
  while (cur) {
    switch (cur.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: cur.text, ptr, isFunction, fnDecl };
      case 'pointer_declarator':
      case 'abstract_pointer_declarator':
        ptr++;
        cur = cur.childForFieldName('declarator');
        break;
      case 'array_declarator':
      case 'abstract_array_declarator':
        ptr++;
        cur = cur.childForFieldName('declarator');
        break;
      case 'function_declarator':
      case 'abstract_function_declarator':
        if (!fnDecl) fnDecl = cur;
        isFunction = true;
        cur = cur.childForFieldName('declarator');
        break;
      case 'parenthesized_declarator':
      case 'attributed_declarator':
      case 'init_declarator':
        cur = cur.namedChildren.find((c) => c.type !== 'attribute_specifier' && c.type !== 'ms_declspec_modifier') ?? null;
        if (cur && cur.type === 'init_declarator') cur = cur.childForFieldName('declarator');
        break;
      default:
        return { name: null, ptr, isFunction, fnDecl };
    }
  }
  return { name: null, ptr, isFunction, fnDecl };
}
