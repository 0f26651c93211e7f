// docs/rules.md, generated from the checker registry: what each rule reports, its category,
// default severity and whether it runs by default. SARIF's helpUri links to these sections.
import { checkers } from '../checkers/index.js';

export function rulesDoc(): string {
  const lines = [
    '# lockcheck rules',
    '',
    'Generated from the checker registry (`node scripts/rules-doc.mjs` after `npm run build`).',
    'A `-lowconf` rule is the low-confidence companion of the rule of the same name: off by',
    'default, on with `--all-rules`, `--rule ID` or a level in `lockcheck.yml`.',
    '',
    '| rule | category | severity | default |',
    '|---|---|---|---|',
    ...checkers.map((c) => `| [${c.meta.id}](#${c.meta.id}) | ${c.meta.category} | ${c.meta.severity} | ${c.meta.defaultOn ? 'on' : 'off'} |`),
    '',
  ];
  for (const c of checkers) {
    lines.push(`## ${c.meta.id}`, '', `Category \`${c.meta.category}\`, severity \`${c.meta.severity}\`, ${c.meta.defaultOn ? 'on by default' : 'off by default'}.`, '', c.meta.description, '');
  }
  return lines.join('\n');
}
