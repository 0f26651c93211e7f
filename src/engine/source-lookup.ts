// Source lines for messages and witnesses, read lazily and cached.
import { readFileSync } from 'node:fs';
import type { SourceLookup } from '../checkers/api.js';

export class CachedSources implements SourceLookup {
  private cache = new Map<string, string[] | null>();
  constructor(private readonly inMemory: Map<string, string> = new Map()) {}

  line(file: string, line: number): string | undefined {
    let lines = this.cache.get(file);
    if (lines === undefined) {
      const text = this.inMemory.get(file) ?? safeRead(file);
      lines = text === undefined ? null : text.split('\n');
      this.cache.set(file, lines);
    }
    const l = lines?.[line - 1];
    return l === undefined ? undefined : l.trim();
  }
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
