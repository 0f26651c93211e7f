// tree-sitter-c, loaded once per thread.
import { createRequire } from 'node:module';
import type ParserT from 'tree-sitter';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter') as typeof ParserT;
const CLang = require('tree-sitter-c') as unknown;

export type Tree = ParserT.Tree;

let parser: ParserT | undefined;

export function getParser(): ParserT {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(CLang as Parameters<ParserT['setLanguage']>[0]);
  }
  return parser;
}

/** Parses C text. tree-sitter's default 32 KiB chunking trips on long files; give it the whole buffer size. */
export function parseC(text: string): Tree {
  return getParser().parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) });
}
