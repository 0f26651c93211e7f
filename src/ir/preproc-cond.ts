// Which arm of `#ifdef CONFIG_X` / `#if defined(CONFIG_X) && !IS_ENABLED(CONFIG_Y)` /
// `if (IS_ENABLED(CONFIG_X))` a build takes, given its defines (`-D`, compile_commands.json).
// Three-valued: a name the defines do not mention is unknown, and an unknown condition keeps
// both arms as alternatives (what the analysis does when nothing is defined).

/** Defined names and their values (`-D NAME` is `1`). */
export type Defines = ReadonlyMap<string, string>;

/** `-D NAME[=VALUE]` strings (or `NAME[=VALUE]`) to defines. */
export function parseDefines(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of list) {
    const m = /^(?:-D)?\s*([A-Za-z_]\w*)(?:=(.*))?$/.exec(d.trim());
    if (m) out.set(m[1]!, m[2] ?? '1');
  }
  return out;
}

type Tri = boolean | undefined;

const not = (a: Tri): Tri => (a === undefined ? undefined : !a);
const and = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === true && b === true ? true : undefined);
const or = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === false && b === false ? false : undefined);

function truthy(v: string | undefined): Tri {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '' || t === 'n' || /^0+[uUlL]*$/.test(t)) return false;
  return true;
}

/**
 * The value of a `#if` expression (or a C condition) over the defines: true, false, or
 * undefined when it depends on something they do not say.
 */
export function evalCondition(text: string, defines: Defines): Tri {
  const toks = text.match(/[A-Za-z_]\w*|\d\w*|&&|\|\||[!()]|\S/g) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const primary = (): Tri => {
    const t = toks[i++];
    if (t === undefined) return undefined;
    if (t === '!') return not(primary());
    if (t === '(') {
      const v = expr();
      if (peek() === ')') i++;
      return v;
    }
    if (t === 'defined' || t === 'IS_ENABLED' || t === 'IS_BUILTIN' || t === 'IS_REACHABLE') {
      const paren = peek() === '(';
      if (paren) i++;
      const name = toks[i++];
      if (paren && peek() === ')') i++;
      if (!name || !/^[A-Za-z_]/.test(name)) return undefined;
      const v = defines.get(name);
      if (t === 'defined') return v === undefined ? undefined : v !== 'n';
      return truthy(v);
    }
    if (/^\d/.test(t)) return truthy(t);
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') return undefined; // a function-like macro we do not expand
      return truthy(defines.get(t));
    }
    return undefined;
  };
  const conj = (): Tri => {
    let v = primary();
    while (peek() === '&&') {
      i++;
      v = and(v, primary());
    }
    return v;
  };
  const expr = (): Tri => {
    let v = conj();
    while (peek() === '||') {
      i++;
      v = or(v, conj());
    }
    return v;
  };
  const v = expr();
  return i === toks.length ? v : undefined; // comparisons, arithmetic: not decided here
}

/** The arm a preprocessor conditional takes: `#ifdef`/`#ifndef NAME`, `#if`/`#elif EXPR`. */
export function preprocArm(directive: string, condition: string, defines: Defines | undefined): Tri {
  if (!defines || defines.size === 0) return undefined;
  const named = defines.get(condition.trim());
  const set: Tri = named === undefined ? undefined : named !== 'n';
  if (directive === '#ifdef' || directive === '#elifdef') return set;
  if (directive === '#ifndef' || directive === '#elifndef') return not(set);
  return evalCondition(condition, defines);
}

/** The directive and condition text of a `preproc_if`/`preproc_ifdef`/`preproc_elif...` node. */
export function preprocParts(n: { type: string; text: string; childForFieldName(f: string): { text: string } | null }): { directive: string; condition: string } {
  const directive = /^#\s*(\w+)/.exec(n.text)?.[1] ?? '';
  const cond = n.childForFieldName('condition') ?? n.childForFieldName('name');
  return { directive: `#${directive}`, condition: cond?.text ?? '' };
}
