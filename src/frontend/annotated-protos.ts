// Sparse lock annotations on prototypes: `void dev_lock(struct dev *d) __acquires(&d->lock);`.
// The parser does not keep these declarations (the annotation after the parameter list is no
// C it knows), so they are read from the text: the function name, its parameter names and the
// annotations, for src/analysis/annotation-locks.ts.

export interface AnnotatedProto {
  name: string;
  /** Parameter names in order ('' where a parameter has none). */
  params: string[];
  /** `acquires(&d->lock)`, `releases(big_lock)`, `must_hold(...)`. */
  annotations: string[];
  line: number;
}

// A declaration head at the start of a line, its parameter list, then one or more annotations and `;`.
const PROTO = /^[ \t]*(?:extern[ \t]+|static[ \t]+|inline[ \t]+)*[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)[ \t]*\(([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*)\)((?:\s*__(?:acquires|releases|must_hold|cond_acquires)\s*\((?:[^;{}()]|\([^;{}()]*\))*\))+)\s*;/gm;
const ANN = /__(acquires|releases|must_hold|cond_acquires)\s*\(((?:[^()]|\([^()]*\))*)\)/g;

function paramName(p: string): string {
  const t = p.replace(/\[[^\]]*\]/g, '').trim();
  if (t === 'void' || t === '...' || t === '') return '';
  const m = /([A-Za-z_]\w*)\s*$/.exec(t);
  // a parameter written as a bare type (`struct dev *`) has no name
  return m && /[\s*]/.test(t) ? m[1]! : '';
}

export function annotatedProtos(text: string): AnnotatedProto[] {
  if (!text.includes('__acquires') && !text.includes('__releases') && !text.includes('__must_hold') && !text.includes('__cond_acquires')) return [];
  const out: AnnotatedProto[] = [];
  for (const m of text.matchAll(PROTO)) {
    const name = m[1]!;
    if (/^(if|for|while|switch|return|sizeof)$/.test(name)) continue;
    const annotations = [...m[3]!.matchAll(ANN)].map((a) => `${a[1]}(${a[2]!.trim()})`);
    const params = m[2]!.trim() === '' ? [] : m[2]!.split(',').map(paramName);
    let line = 1;
    for (let i = 0; i < m.index!; i++) if (text.charCodeAt(i) === 10) line++;
    out.push({ name, params, annotations, line });
  }
  return out;
}
