import { raceRuleSchema, type RaceRuleOptions } from '../src/analysis/options';
import { fixMessages, memoizeMessages, raceRuleListener } from '../src/analysis/report';
import { createRule } from '../src/util/create-rule';

export type MessageIds =
  | 'wrapInMutex'
  | 'wrapInMutexAddDependency'
  | 'memoizeInFlight'
  | 'staleCheck'
  | 'staleCheckLockReleased'
  | 'staleCheckReadOutsideLock'
  | 'staleCheckNotExclusive'
  | 'staleCheckDifferentLocks';

export default createRule<[RaceRuleOptions], MessageIds>({
  name: 'no-stale-check',
  meta: {
    type: 'problem',
    fixable: 'code',
    hasSuggestions: true,
    docs: {
      description: 'Disallow writing shared state under a check of it made before an `await`, outside a lock (check-then-act)',
      recommended: 'strict',
      requiresTypeChecking: true,
    },
    messages: {
      ...fixMessages,
      ...memoizeMessages,
      staleCheck:
        '{{state}} was checked on line {{readLine}} and the function suspended at line {{suspendLine}} before this write: concurrent callers can all pass that check, or change {{state}} meanwhile, so the write may act on a check that no longer holds.',
      staleCheckLockReleased:
        '{{state}} was checked on line {{readLine}} while holding {{lock}}, but the lock is not held from there through the suspension at line {{suspendLine}} to this write, so the check may no longer hold here.',
      staleCheckReadOutsideLock:
        '{{state}} was checked on line {{readLine}}, before {{lock}} was taken; the function suspended at line {{suspendLine}}, so the check may no longer hold at this write. Check it again inside the lock.',
      staleCheckNotExclusive:
        '{{state}} was checked on line {{readLine}} and the function suspended at line {{suspendLine}} before this write: concurrent callers can all pass that check, or change {{state}} meanwhile, and {{lock}} does not prevent that because {{reason}}.',
      staleCheckDifferentLocks:
        'This check-then-write of {{state}} (checked on line {{readLine}}, suspended at line {{suspendLine}}) holds {{lock}}, but the update on line {{otherLine}} holds {{otherLock}}; different locks do not exclude each other.',
    },
    schema: raceRuleSchema,
    defaultOptions: [{ fix: 'autofix', locks: [] }],
  },
  create(context, [options]) {
    return raceRuleListener(context, 'no-stale-check', 'staleCheck', options);
  },
});
