// Cached facts do not name their file: a miss is extracted under PLACEHOLDER (the extraction
// uses the path only as a label: function keys of statics, locations, `global:x@file` roots),
// stored so, and every string is relabelled to the real path when used. One entry then serves
// the same content at any path (a PR's base and head checkouts, a patch's context files).
// The placeholder holds NUL bytes, which no string taken from C source text holds
// (a text with NUL is not cached).

export const PLACEHOLDER = '\u0000lockcheck-file\u0000';

/** Replaces PLACEHOLDER by `path` in every string of a plain-data value (objects, arrays, Maps, Sets), in place. */
export function relabel<T>(value: T, path: string): T {
  return fix(value, path) as T;
}

function str(s: string, path: string): string {
  if (s === PLACEHOLDER) return path;
  return s.includes(PLACEHOLDER) ? s.split(PLACEHOLDER).join(path) : s;
}

function fix(v: unknown, path: string): unknown {
  if (typeof v === 'string') return str(v, path);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'string') {
        if (x.includes(PLACEHOLDER)) v[i] = str(x, path);
      } else if (x !== null && typeof x === 'object') fix(x, path);
    }
    return v;
  }
  if (v instanceof Map) {
    const entries = [...v.entries()];
    v.clear();
    for (const [k, x] of entries) v.set(fix(k, path), fix(x, path));
    return v;
  }
  if (v instanceof Set) {
    const items = [...v];
    v.clear();
    for (const x of items) v.add(fix(x, path));
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'string') {
      if (x.includes(PLACEHOLDER)) o[k] = str(x, path);
    } else if (x !== null && typeof x === 'object') fix(x, path);
  }
  return v;
}
