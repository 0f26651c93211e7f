// The checker registry: adding a rule is one module here plus its test file.
import type { Checker } from './api.js';
import { lockInversion, lockInversionLowconf } from './lock-inversion.js';
import { recursiveLock, recursiveLockLowconf } from './recursive-lock.js';
import { lockLeak } from './lock-leak.js';
import { doubleUnlock } from './double-unlock.js';
import { mustHold, mustHoldLowconf } from './must-hold.js';
import { missingBarrier, missingBarrierLowconf } from './missing-barrier.js';
import { checkThenAct, checkThenActLowconf } from './check-then-act.js';
import { doubleFetch, doubleFetchLowconf } from './double-fetch.js';
import { nonAtomicRmw, nonAtomicRmwLowconf } from './non-atomic-rmw.js';
import { freeWithPendingCallback, freeWithPendingCallbackLowconf } from './free-with-pending-callback.js';
import { freeAfterUnlock, freeAfterUnlockLowconf } from './free-after-unlock.js';
import { useAfterUnlock, useAfterUnlockLowconf } from './use-after-unlock.js';
import { reentryDeadlock, reentryDeadlockLowconf } from './reentry-deadlock.js';
import { tornUpdate, tornUpdateLowconf } from './torn-update.js';
import { irqSafety, irqSafetyLowconf } from './irq-safety.js';
import { useAfterFree, useAfterFreeLowconf } from './use-after-free.js';
import { unlockedReread, unlockedRereadLowconf } from './unlocked-reread.js';
import { unguardedAccess, unguardedAccessLowconf } from './unguarded-access.js';
import { nmiUnsafeLock, nmiUnsafeLockLowconf } from './nmi-unsafe-lock.js';
import { faultDeadlockLowconf } from './fault-deadlock.js';
import { freeBeforeReplace, freeBeforeReplaceLowconf } from './free-before-replace.js';
import { entryDisableWindow, entryDisableWindowLowconf } from './entry-disable-window.js';

export const checkers: Checker[] = [lockInversion, lockInversionLowconf, recursiveLock, recursiveLockLowconf, lockLeak, doubleUnlock, mustHold, mustHoldLowconf];
// memory-ordering and lifetime rules
checkers.push(missingBarrier, missingBarrierLowconf, checkThenAct, checkThenActLowconf, doubleFetch, doubleFetchLowconf, nonAtomicRmw, nonAtomicRmwLowconf,
  freeWithPendingCallback, freeWithPendingCallbackLowconf, freeAfterUnlock, freeAfterUnlockLowconf,
  useAfterUnlock, useAfterUnlockLowconf, tornUpdate, tornUpdateLowconf, entryDisableWindow, entryDisableWindowLowconf, useAfterFree, useAfterFreeLowconf, freeBeforeReplace, freeBeforeReplaceLowconf);
// lock-order rules beyond plain cycles
checkers.push(reentryDeadlock, reentryDeadlockLowconf, irqSafety, irqSafetyLowconf, nmiUnsafeLock, nmiUnsafeLockLowconf, faultDeadlockLowconf);
// missing locks, from the inferred guard of each field (src/analysis/guard-inference.ts)
checkers.push(unlockedReread, unlockedRereadLowconf, unguardedAccess, unguardedAccessLowconf);

export function checkerById(id: string): Checker | undefined {
  return checkers.find((c) => c.meta.id === id);
}
