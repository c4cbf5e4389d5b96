import { analyzeRaces } from '../src/analysis/analyze';
import { raceRuleSchema, type RaceRuleOptions } from '../src/analysis/options';
import { describeFinding } from '../src/analysis/report';
import { createRule } from '../src/util/create-rule';

export type MessageIds =
  | 'lostUpdate'
  | 'lostUpdateLockReleased'
  | 'lostUpdateReadOutsideLock'
  | 'lostUpdateNotExclusive'
  | 'lostUpdateDifferentLocks';

export default createRule<[RaceRuleOptions], MessageIds>({
  name: 'no-lost-update',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow writing shared state from a value read before an `await`, outside a lock (lost updates)',
      recommended: 'recommended',
      requiresTypeChecking: true,
    },
    messages: {
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
    defaultOptions: [{ locks: [] }],
  },
  create(context, [options]) {
    const findings = analyzeRaces(context, 'no-lost-update', options);
    return {
      Program() {
        for (const finding of findings) {
          if (finding.kind !== 'lostUpdate') continue;
          const { variant, data } = describeFinding(finding);
          context.report({ node: finding.write, messageId: `lostUpdate${variant}`, data });
        }
      },
    };
  },
});
