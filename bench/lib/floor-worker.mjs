// The floor: a bare tree-sitter parse and full cursor walk of each file.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');
const parser = new Parser();
parser.setLanguage(C);

export default function floor(files) {
  let nodes = 0;
  for (const f of files) {
    let text;
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    const tree = parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) });
    const c = tree.walk();
    for (;;) {
      nodes++;
      if (c.gotoFirstChild()) continue;
      let up = false;
      while (!c.gotoNextSibling()) {
        if (!c.gotoParent()) { up = true; break; }
      }
      if (up) break;
    }
  }
  return nodes;
}
