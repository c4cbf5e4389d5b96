import type { TSESLint } from '@typescript-eslint/utils';

import { describePath } from './access-paths';
import { analyzeRaces, raceUnitListeners } from './analyze';
import type { RaceFinding } from './dataflow';
import { planRaceFix } from './fix';
import { planMemoizeFix } from './fix/memoize';
import type { RaceRuleOptions } from './options';

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

/** The suggestion messages every race rule declares. */
export const fixMessages = {
  wrapInMutex: 'Run lines {{firstLine}}–{{lastLine}} exclusively with `{{mutex}}.runExclusive(async () => { … })`.',
  wrapInMutexAddDependency:
    'Run lines {{firstLine}}–{{lastLine}} exclusively with `{{mutex}}.runExclusive(async () => { … })` (add `async-mutex` to the dependencies first: it does not resolve from this file).',
} as const;

/** The second suggestion of a check-then-act on lazily loaded state. */
export const memoizeMessages = {
  memoizeInFlight:
    'Share one in-flight `{{call}}` among concurrent callers: keep its promise in `{{holder}}` until the first caller resumes.',
} as const;

type FixMessageId = keyof typeof fixMessages | keyof typeof memoizeMessages;

/**
 * The listener of a race rule: reports the findings of one kind, each with the runExclusive wrap as
 * a suggestion and, where every guarantee of the wrap holds and the options allow it, as an autofix.
 * Fails at once, with one clear error, when the file has no type information.
 */
export function raceRuleListener<MessageId extends string>(
  context: Readonly<TSESLint.RuleContext<MessageId | FixMessageId, [RaceRuleOptions]>>,
  ruleName: string,
  kind: RaceFinding['kind'],
  options: RaceRuleOptions,
): TSESLint.RuleListener {
  return {
    // The functions to analyse are found as ESLint walks the file (`raceUnitListeners` first makes
    // sure the file has type information); the analysis runs once it has.
    ...raceUnitListeners(context, ruleName, options),
    'Program:exit': () => {
      reportRaces(context, ruleName, kind, options);
    },
  };
}

function reportRaces<MessageId extends string>(
  context: Readonly<TSESLint.RuleContext<MessageId | FixMessageId, [RaceRuleOptions]>>,
  ruleName: string,
  kind: RaceFinding['kind'],
  options: RaceRuleOptions,
): void {
  const analysis = analyzeRaces(context, ruleName, options);
  const mode = options.fix ?? 'autofix';
  for (const finding of analysis.findings) {
    if (finding.kind !== kind) continue;
    const { variant, data } = describeFinding(finding);
    const plan = mode === 'none' ? undefined : planRaceFix(finding, analysis, context.sourceCode, context.filename);
    const memo = mode === 'none' ? undefined : planMemoizeFix(finding, analysis, context.sourceCode, context.filename);
    const suggestions: TSESLint.SuggestionReportDescriptor<MessageId | FixMessageId>[] = [];
    if (plan) {
      suggestions.push({
        messageId: plan.missingDependency ? 'wrapInMutexAddDependency' : 'wrapInMutex',
        data: { firstLine: plan.firstLine, lastLine: plan.lastLine, mutex: plan.mutex },
        fix: plan.apply,
      });
    }
    if (memo) suggestions.push({ messageId: 'memoizeInFlight', data: { call: memo.call, holder: memo.holder }, fix: memo.apply });
    context.report({
      node: finding.write,
      messageId: `${kind}${variant}` as MessageId,
      data,
      fix: plan?.autofix && mode === 'autofix' ? plan.apply : null,
      suggest: suggestions,
    });
  }
}
