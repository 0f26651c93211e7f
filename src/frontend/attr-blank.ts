// Attribute macros in a function head (`__attribute__((x))`, `__nonnull(1, 2)`, `__section(".x")`)
// read to tree-sitter as a call or as the declarator itself, so a definition such as
// `static inline int __nonnull(2) name(...) { ... }` is lost or named after the attribute.
// The parser is given a copy with those spans blanked to spaces (offsets unchanged); node text
// still comes from the original, so `__acquires(...)` annotations stay readable.

/** Index just past the parenthesised group opening at `open`, or -1 if unbalanced on this line run. */
function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 40) depth++;
    else if (ch === 41 && --depth === 0) return i + 1;
    else if (ch === 59 || ch === 123) return -1; // ';' or '{' inside: not an attribute
  }
  return -1;
}

/** Lock annotations are read from the text by the declaration pass; the parser may keep them. */
const KEEP = new Set(['__acquires', '__releases', '__must_hold', '__cond_acquires']);
const ATTR = /\b(__attribute__|__declspec|__[a-z][a-z0-9_]*)\s*\(/g;
/** What may precede an attribute on its line: the storage, specifiers and return type of a head. */
const HEAD_BEFORE = /^[ \t]*(?:[A-Za-z_]\w*[ \t*]+)+$/;
/** What must follow a non-`__attribute__` macro: the declarator name and its parameter list. */
const NAME_AFTER = /^\s*(?:__[a-z]\w*\s+)*\**\s*[A-Za-z_]\w*\s*\(/;

export function blankAttributes(text: string): string {
  if (!text.includes('__')) return text;
  let buf = text;
  for (const m of text.matchAll(ATTR)) {
    const name = m[1]!;
    if (KEEP.has(name)) continue;
    const start = m.index!;
    const end = closeParen(text, start + m[0].length - 1);
    if (end < 0) continue;
    if (name !== '__attribute__' && name !== '__declspec') {
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      if (!HEAD_BEFORE.test(buf.slice(lineStart, start))) continue;
      if (!NAME_AFTER.test(text.slice(end, end + 200))) continue;
    }
    // earlier heads on the line are blanked already, so a second attribute sees a plain head
    buf = buf.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + buf.slice(end);
  }
  return buf;
}
