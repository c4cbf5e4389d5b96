import { describePath } from './access-paths';
import type { RaceFinding } from './dataflow';

/** Which explanation a finding needs: the plain one, or one that says why the lock around it does not help. */
export type ReportVariant = '' | 'LockReleased' | 'ReadOutsideLock' | 'NotExclusive' | 'DifferentLocks';

export interface ReportDescriptor {
  variant: ReportVariant;
  data: Record<string, string | number>;
}

/** The message variant and data for a finding; the rule picks the wording. */
export function describeFinding(finding: RaceFinding): ReportDescriptor {
  const data: Record<string, string | number> = {
    state: describePath(finding.path),
    readLine: finding.read.loc.start.line,
    suspendLine: finding.suspension.loc.start.line,
  };
  const problem = finding.lockProblem;
  if (!problem) return { variant: '', data };
  switch (problem.kind) {
    case 'releasedBeforeWrite':
      return { variant: 'LockReleased', data: { ...data, lock: problem.lock.label } };
    case 'readOutsideLock':
      return { variant: 'ReadOutsideLock', data: { ...data, lock: problem.lock.label } };
    case 'notExclusive':
      return {
        variant: 'NotExclusive',
        data: { ...data, lock: problem.lock.label, reason: problem.lock.notExclusiveBecause ?? 'it is not exclusive' },
      };
    case 'differentLocks':
      return {
        variant: 'DifferentLocks',
        data: { ...data, lock: problem.lock, otherLock: problem.otherLock, otherLine: problem.otherLine },
      };
  }
}
