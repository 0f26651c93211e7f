// One short phrase for the model's verdict, shared by the one-line CI formats.
import type { Finding } from './finding.js';

export function verdictPhrase(f: Finding): string {
  const c = f.confirmation;
  if (c.status === 'not-run') return '';
  if (c.status === 'confirmed') return `model: confirmed${c.outcome ? ` (${c.outcome})` : ''}`;
  if (c.status === 'refuted') return `model: refuted because ${c.reason ?? 'no interleaving of its model shows it'}`;
  return `model: unknown${c.reason ? ` (${c.reason})` : ''}`;
}
