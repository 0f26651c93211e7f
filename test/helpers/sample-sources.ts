// The C sources under a sample directory, read as the engine's analyzeSources() takes them
// (the file walk is the CLI's own: src/ingest/files.ts).
import { readFileSync } from 'node:fs';
import { collectFiles } from '../../src/ingest/files.js';

export function sampleSources(dir: string): { path: string; text: string }[] {
  return collectFiles([dir]).files.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}
