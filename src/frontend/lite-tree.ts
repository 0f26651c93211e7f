// A plain-JS copy of a tree-sitter tree, made in one TreeCursor pass. Walking native
// SyntaxNodes costs a native call and an object per property read; the IR builder reads
// every node several times, so copying once is several times faster. The class mirrors
// the subset of the SyntaxNode API the front end uses.
import { createRequire } from 'node:module';
import type ParserT from 'tree-sitter';
import { parseC } from './parser.js';
import { blankAttributes } from './attr-blank.js';

const require = createRequire(import.meta.url);
const CLang = require('tree-sitter-c') as { nodeTypeInfo?: unknown };
void CLang;

export interface Point {
  row: number;
  column: number;
}

const typeNames: string[] = [];
const typeNamed: boolean[] = [];
const fieldNames: string[] = [];

/** Shared by every leaf (most nodes): a leaf's children array is never written. */
const NO_CHILDREN: LiteNode[] = [];

export class LiteNode {
  /** Filled while copying; leaves share one empty array. */
  children: LiteNode[] = NO_CHILDREN;
  private _named: LiteNode[] | undefined = undefined;

  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly field: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
    private readonly doc: LiteDoc,
    readonly parent: LiteNode | null,
  ) {}

  get text(): string {
    return this.doc.text.substring(this.startIndex, this.endIndex);
  }

  get isMissing(): boolean {
    return this.startIndex === this.endIndex && this.children.length === 0 && !this.isNamed;
  }

  get hasError(): boolean {
    if (this.type === 'ERROR' || this.isMissing) return true;
    for (const c of this.children) if (c.hasError) return true;
    return false;
  }

  get namedChildren(): LiteNode[] {
    if (!this._named) this._named = this.children.filter((c) => c.isNamed);
    return this._named;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  get childCount(): number {
    return this.children.length;
  }

  get firstChild(): LiteNode | null {
    return this.children[0] ?? null;
  }

  get lastChild(): LiteNode | null {
    return this.children[this.children.length - 1] ?? null;
  }

  child(i: number): LiteNode | null {
    return this.children[i] ?? null;
  }

  childForFieldName(name: string): LiteNode | null {
    for (const c of this.children) if (c.field === name) return c;
    return null;
  }

  childrenForFieldName(name: string): LiteNode[] {
    return this.children.filter((c) => c.field === name);
  }

  get startPosition(): Point {
    return this.doc.point(this.startIndex);
  }

  get endPosition(): Point {
    return this.doc.point(this.endIndex);
  }

  toString(): string {
    return this.isNamed ? `(${this.type}${this.namedChildren.map((c) => ' ' + c.toString()).join('')})` : '';
  }
}

export class LiteDoc {
  private lineStarts: number[] | undefined;
  constructor(readonly text: string) {}

  point(index: number): Point {
    if (!this.lineStarts) {
      const ls = [0];
      const t = this.text;
      for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) ls.push(i + 1);
      this.lineStarts = ls;
    }
    const ls = this.lineStarts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: index - ls[lo]! };
  }
}

/** The cursor node's type id, with its name and namedness cached in typeNames/typeNamed. */
function typeId(c: ParserT.TreeCursor): number {
  const id = c.nodeTypeId;
  if (typeNames[id] === undefined) {
    typeNames[id] = c.nodeType;
    typeNamed[id] = c.nodeIsNamed;
  }
  return id;
}

function fieldName(c: ParserT.TreeCursor): string | null {
  const id = c.currentFieldId;
  if (!id) return null;
  let n = fieldNames[id];
  if (n === undefined) {
    n = c.currentFieldName;
    fieldNames[id] = n;
  }
  return n;
}

/** Subtrees no analysis reads below their own text: not copied. */
const LEAF_TYPES = new Set(['string_literal', 'concatenated_string', 'char_literal', 'initializer_list', 'enumerator_list', 'preproc_include', 'preproc_def', 'preproc_call', 'comment', 'system_lib_string', 'number_literal', 'gnu_asm_expression', 'attribute_specifier', 'attribute_declaration']);

/** Anonymous tokens no analysis inspects (operators, keywords and braces are kept). */
const DROPPED = new Set(['(', ')', ',', ';']);

/** Copies a tree into LiteNodes. */
export function liteTree(tree: ParserT.Tree, text: string): LiteNode {
  const doc = new LiteDoc(text);
  const c = tree.walk();
  const rid = typeId(c);
  const root = new LiteNode(typeNames[rid]!, typeNamed[rid]!, null, c.startIndex, c.endIndex, doc, null);
  const stack: LiteNode[] = [root];
  if (!c.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1]!;
    const id = typeId(c);
    const t = typeNames[id]!;
    const named = typeNamed[id]!;
    // punctuation nothing reads is not copied (a fifth of all nodes); a MISSING ';' is kept,
    // it tells a `macro(args) { ... }` block from a statement
    if (!named && DROPPED.has(t) && (t !== ';' || !c.nodeIsMissing)) {
      while (!c.gotoNextSibling()) {
        if (!c.gotoParent()) return root;
        stack.pop();
        if (stack.length === 0) return root;
      }
      continue;
    }
    const node = new LiteNode(t, named, fieldName(c), c.startIndex, c.endIndex, doc, parent);
    if (parent.children === NO_CHILDREN) parent.children = [node];
    else parent.children.push(node);
    if (!LEAF_TYPES.has(t) && c.gotoFirstChild()) {
      stack.push(node);
      continue;
    }
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) return root;
      stack.pop();
      if (stack.length === 0) return root;
    }
  }
}

export function parseLite(text: string): LiteNode {
  return liteTree(parseC(blankAttributes(text)), text);
}
