// Tiny C-like expression language used by model conditions, stored values and invariants.
// Expressions stay strings in the serializable model (`"r0 == 0 && q.tail != 0"`); this
// module parses them into a small AST and compiles the AST into closures over a state vector.

export type ExprAst =
  | { k: 'num'; v: number }
  | { k: 'id'; name: string }
  | { k: 'un'; op: '!' | '-' | '~'; a: ExprAst }
  | { k: 'bin'; op: string; a: ExprAst; b: ExprAst };

export type ExprFn = (s: Int32Array) => number;

const BIN_PREC: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '<=': 7,
  '>': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const TOKEN_RE = /\s*(?:(0x[0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*(?:(?:\.|->)[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)|(\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%&|^<>!~()]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN_RE.lastIndex = pos;
    const m = TOKEN_RE.exec(src);
    if (!m) throw new Error(`expression "${src}": cannot read at "${src.slice(pos)}"`);
    out.push((m[1] ?? m[2] ?? m[3]) as string);
    pos = TOKEN_RE.lastIndex;
  }
  return out;
}

/** Parse a C-like expression: integers, names (`q->tail`, `cpu1.r0`), `! - ~`, binary C operators, parentheses. */
export function parseExpr(src: string | number | boolean): ExprAst {
  if (typeof src === 'number') return { k: 'num', v: src | 0 };
  if (typeof src === 'boolean') return { k: 'num', v: src ? 1 : 0 };
  const toks = tokenize(src);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const primary = (): ExprAst => {
    const t = toks[i++];
    if (t === undefined) throw new Error(`expression "${src}": unexpected end`);
    if (t === '(') {
      const e = binary(0);
      if (toks[i++] !== ')') throw new Error(`expression "${src}": missing )`);
      return e;
    }
    if (t === '!' || t === '-' || t === '~') return { k: 'un', op: t, a: primary() };
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) return { k: 'num', v: Number(t) | 0 };
    if (t === 'true') return { k: 'num', v: 1 };
    if (t === 'false' || t === 'NULL') return { k: 'num', v: 0 };
    if (/^[A-Za-z_]/.test(t)) return { k: 'id', name: t };
    throw new Error(`expression "${src}": unexpected "${t}"`);
  };
  const binary = (minPrec: number): ExprAst => {
    let left = primary();
    for (;;) {
      const op = peek();
      const prec = op === undefined ? undefined : BIN_PREC[op];
      if (op === undefined || prec === undefined || prec <= minPrec - 1 || prec < minPrec) break;
      i++;
      const right = binary(prec + 1);
      left = { k: 'bin', op, a: left, b: right };
    }
    return left;
  };
  const e = binary(0);
  if (i !== toks.length) throw new Error(`expression "${src}": unexpected "${toks[i]}"`);
  return e;
}

/** Names an expression mentions. */
export function exprNames(e: ExprAst, out: Set<string> = new Set()): Set<string> {
  if (e.k === 'id') out.add(e.name);
  else if (e.k === 'un') exprNames(e.a, out);
  else if (e.k === 'bin') {
    exprNames(e.a, out);
    exprNames(e.b, out);
  }
  return out;
}

/** Compile to a closure; `resolve` maps a name to a reader of the state vector. */
export function compileExpr(e: ExprAst, resolve: (name: string) => ExprFn): ExprFn {
  switch (e.k) {
    case 'num': {
      const v = e.v;
      return () => v;
    }
    case 'id':
      return resolve(e.name);
    case 'un': {
      const a = compileExpr(e.a, resolve);
      if (e.op === '!') return (s) => (a(s) === 0 ? 1 : 0);
      if (e.op === '-') return (s) => -a(s) | 0;
      return (s) => ~a(s);
    }
    case 'bin': {
      const a = compileExpr(e.a, resolve);
      const b = compileExpr(e.b, resolve);
      switch (e.op) {
        case '||':
          return (s) => (a(s) !== 0 || b(s) !== 0 ? 1 : 0);
        case '&&':
          return (s) => (a(s) !== 0 && b(s) !== 0 ? 1 : 0);
        case '|':
          return (s) => a(s) | b(s);
        case '^':
          return (s) => a(s) ^ b(s);
        case '&':
          return (s) => a(s) & b(s);
        case '==':
          return (s) => (a(s) === b(s) ? 1 : 0);
        case '!=':
          return (s) => (a(s) !== b(s) ? 1 : 0);
        case '<':
          return (s) => (a(s) < b(s) ? 1 : 0);
        case '<=':
          return (s) => (a(s) <= b(s) ? 1 : 0);
        case '>':
          return (s) => (a(s) > b(s) ? 1 : 0);
        case '>=':
          return (s) => (a(s) >= b(s) ? 1 : 0);
        case '<<':
          return (s) => a(s) << b(s);
        case '>>':
          return (s) => a(s) >> b(s);
        case '+':
          return (s) => (a(s) + b(s)) | 0;
        case '-':
          return (s) => (a(s) - b(s)) | 0;
        case '*':
          return (s) => Math.imul(a(s), b(s));
        case '/':
          return (s) => {
            const d = b(s);
            return d === 0 ? 0 : (a(s) / d) | 0;
          };
        case '%':
          return (s) => {
            const d = b(s);
            return d === 0 ? 0 : a(s) % d | 0;
          };
      }
      throw new Error(`unknown operator ${e.op}`);
    }
  }
}

/** Print back as C (used by traces and litmus output). */
export function exprToC(e: ExprAst, rename: (name: string) => string = (n) => n): string {
  switch (e.k) {
    case 'num':
      return String(e.v);
    case 'id':
      return rename(e.name);
    case 'un':
      return `${e.op}${wrap(e.a, rename)}`;
    case 'bin':
      return `${wrap(e.a, rename)} ${e.op} ${wrap(e.b, rename)}`;
  }
}

function wrap(e: ExprAst, rename: (name: string) => string): string {
  return e.k === 'bin' ? `(${exprToC(e, rename)})` : exprToC(e, rename);
}
