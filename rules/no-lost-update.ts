import { raceRuleSchema, type RaceRuleOptions } from '../src/analysis/options';
import { fixMessages, raceRuleListener } from '../src/analysis/report';
import { createRule } from '../src/util/create-rule';

export type MessageIds =
  | 'wrapInMutex'
  | 'wrapInMutexAddDependency'
  | 'lostUpdate'
  | 'lostUpdateLockReleased'
  | 'lostUpdateReadOutsideLock'
  | 'lostUpdateNotExclusive'
  | 'lostUpdateDifferentLocks';

export default createRule<[RaceRuleOptions], MessageIds>({
  name: 'no-lost-update',
  meta: {
    type: 'problem',
    fixable: 'code',
    hasSuggestions: true,
    docs: {
      description: 'Disallow writing shared state from a value read before an `await`, outside a lock (lost updates)',
      recommended: 'recommended',
      requiresTypeChecking: true,
    },
    messages: {
      ...fixMessages,
      lostUpdate:
        '{{state}} was read on line {{readLine}}, the function suspended at line {{suspendLine}}, and this write overwrites any update made meanwhile.',
      lostUpdateLockReleased:
        '{{state}} was read on line {{readLine}} while holding {{lock}}, but the lock is not held from there through the suspension at line {{suspendLine}} to this write, so this write overwrites any update made meanwhile.',
      lostUpdateReadOutsideLock:
        '{{state}} was read on line {{readLine}}, before {{lock}} was taken; the function suspended at line {{suspendLine}}, and this write overwrites any update made meanwhile. Read it inside the lock.',
      lostUpdateNotExclusive:
        '{{state}} was read on line {{readLine}}, the function suspended at line {{suspendLine}}, and this write overwrites any update made meanwhile: {{lock}} does not prevent that because {{reason}}.',
      lostUpdateDifferentLocks:
        'This update of {{state}} (read on line {{readLine}}, suspended at line {{suspendLine}}) holds {{lock}}, but the update on line {{otherLine}} holds {{otherLock}}; different locks do not exclude each other, so each can overwrite the other.',
    },
    schema: raceRuleSchema,
    defaultOptions: [{ fix: 'autofix', locks: [] }],
  },
  create(context, [options]) {
    return raceRuleListener(context, 'no-lost-update', 'lostUpdate', options);
  },
});
