// Reading a lockcheck.yml given on the command line (`--config FILE`), for every subcommand.
import { readFileSync } from 'node:fs';
import { formatConfigErrors, parseConfig, type LockcheckConfig } from './schema.js';

export function loadConfigFile(file: string): { config: LockcheckConfig } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { error: `cannot read config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const r = parseConfig(text);
  if (!r.ok) return { error: `bad config ${file}:\n${formatConfigErrors(r.errors)}` };
  return { config: r.config };
}
