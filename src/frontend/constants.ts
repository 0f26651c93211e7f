// Integer constants a model needs real values for: `#define DABT_WORD 2`, enumerators
// (`enum dabt_size { DABT_BYTE = 0, DABT_HALF, DABT_WORD }`). Only plain integer values are
// read (decimal, hex, octal, with suffixes, parenthesized, `1 << n`); anything else is left out.

/** The value of a simple integer constant expression, or undefined. */
export function intValue(text: string, known?: (name: string) => number | undefined): number | undefined {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
  const lit = /^(-)?\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)[uUlL]*$/.exec(t);
  if (lit) {
    const v = Number.parseInt(lit[2]!, lit[2]!.startsWith('0x') || lit[2]!.startsWith('0X') ? 16 : lit[2]!.length > 1 && lit[2]!.startsWith('0') ? 8 : 10);
    return lit[1] ? -v : v;
  }
  const shift = /^(.+?)\s*<<\s*(.+)$/.exec(t);
  if (shift) {
    const a = intValue(shift[1]!, known);
    const b = intValue(shift[2]!, known);
    return a !== undefined && b !== undefined && b < 31 ? a << b : undefined;
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return known?.(t);
  return undefined;
}

/** `NAME value` of an object-like macro whose value is a plain integer. */
export function macroConstant(name: string, value: string): [string, number] | undefined {
  const v = intValue(value.replace(/\\\n/g, ' '));
  return v === undefined ? undefined : [name, v];
}

/** Enumerators of one `{ A = 1, B, C = A + 4 }` body; implicit values count on from the last. */
export function enumConstants(body: string): [string, number][] {
  const out: [string, number][] = [];
  const inner = body.trim().replace(/^\{/, '').replace(/\}$/, '');
  const seen = new Map<string, number>();
  let next = 0;
  for (const raw of inner.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '').split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([A-Za-z_]\w*)\s*(?:=\s*([\s\S]+))?$/.exec(item);
    if (!m || /^#/.test(item)) return out; // a preprocessor line or something odd inside: stop counting
    let v = next;
    if (m[2] !== undefined) {
      const x = intValue(m[2], (n) => seen.get(n));
      if (x === undefined) return out;
      v = x;
    }
    seen.set(m[1]!, v);
    out.push([m[1]!, v]);
    next = v + 1;
  }
  return out;
}
