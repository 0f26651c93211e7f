// Rule by rule: which witness paths become threads, what of them is kept, and the property
// the model checks (deadlock, a lock left held, unlock of an unheld lock, a stale or lost
// value, a use after free).
import type { ModelScript } from './script.js';
import { doubleUnlock, lockInversion, lockLeak, recursiveLock } from './rules-lock.js';
import { lifetime, pendingCallback } from './rules-lifetime.js';
import { missingBarrier, valueRace } from './rules-memory.js';
import type { RuleContext } from './model-base.js';
import { setSliceSource } from './slice.js';

export type { RuleContext } from './model-base.js';

/** The extracted model of a finding, or undefined when the rule has no extractor. Throws ExtractError when the IR does not support one. */
export function extractForRule(ctx: RuleContext): ModelScript | undefined {
  setSliceSource(ctx.source);
  const rule = ctx.finding.rule.replace(/-lowconf$/, '');
  switch (rule) {
    case 'lock-inversion':
      return lockInversion(ctx);
    case 'recursive-lock':
      return recursiveLock(ctx);
    case 'lock-leak':
      return lockLeak(ctx);
    case 'double-unlock':
      return doubleUnlock(ctx);
    case 'free-after-unlock':
    case 'use-after-unlock':
      return lifetime(ctx);
    case 'missing-barrier':
      return missingBarrier(ctx);
    case 'free-with-pending-callback':
      return pendingCallback(ctx);
    case 'check-then-act':
    case 'double-fetch':
    case 'unlocked-reread':
    case 'non-atomic-rmw':
      return valueRace(ctx);
    default:
      return undefined;
  }
}
