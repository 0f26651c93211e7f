// Model extraction for a finding: the rule's extractor over the IR, or the template the
// rules bind to the rule (`models:` in rules/*.yaml) when the IR does not support one.
import type { Program } from '../../analysis/program.js';
import type { LockGraph } from '../../analysis/lock-graph.js';
import type { SourceLookup } from '../../checkers/api.js';
import type { Finding } from '../../report/finding.js';
import { templates } from '../templates/index.js';
import { ExtractError } from './frames.js';
import { extractForRule } from './rules.js';
import type { ModelScript } from './script.js';

export type { ModelScript, ScriptStep, ScriptThread } from './script.js';
export { scriptModel, applySteps } from './script.js';
export { ExtractError } from './frames.js';

export type Extracted = { ok: true; script: ModelScript; method: 'extracted' | 'template'; note?: string; /** Why no model could be extracted (template). */ why?: string } | { ok: false; reason: string };

export function templateFor(program: Program, rule: string): string | undefined {
  const base = rule.replace(/-lowconf$/, '');
  return program.rules.models.find((b) => b.rule === rule)?.template ?? program.rules.models.find((b) => b.rule === base)?.template;
}

export function extractModel(finding: Finding, program: Program, source?: SourceLookup, lockGraph?: LockGraph): Extracted {
  let why = `no extractor for ${finding.rule}`;
  try {
    const s = extractForRule({ finding, program, ...(source ? { source } : {}), ...(lockGraph ? { lockGraph } : {}) });
    if (s) return { ok: true, script: s, method: 'extracted' };
  } catch (e) {
    if (!(e instanceof ExtractError)) throw e;
    if (e.final) return { ok: false, reason: e.message };
    why = e.message;
  }
  const name = templateFor(program, finding.rule);
  const t = name ? templates[name] : undefined;
  const s = t?.(finding);
  if (s) return { ok: true, script: s, method: 'template', why, note: `the ${name} template model: no model could be extracted from the code (${why})` };
  return { ok: false, reason: name && !t ? `unknown template ${name} bound to ${finding.rule}` : why };
}
