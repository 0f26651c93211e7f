// Stable finding ids: rule + functions + normalized code, never line numbers, so an
// unrelated edit above a finding does not change its id.
import { createHash } from 'node:crypto';

export function fingerprint(rule: string, parts: string[]): string {
  const h = createHash('sha1');
  h.update(rule);
  for (const p of parts) h.update('\0' + p);
  return h.digest('hex').slice(0, 16);
}
