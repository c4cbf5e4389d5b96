import { findReentries, type Reentry } from '../src/analysis/lock-reentry';
import { lockFileOf } from '../src/analysis/lock-identity';
import { createRule } from '../src/util/create-rule';

export type MessageIds = 'reentry' | 'waitWhileHeld' | 'reentryThroughCall' | 'unwrapInner';

const outcome = (reentry: Reentry): string =>
  reentry.timesOut ? 'waits until its timeout and then fails' : 'waits forever (deadlock)';

export default createRule<[], MessageIds>({
  name: 'no-lock-reentry',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Disallow taking a lock again while it is already held (a self-deadlock)',
      recommended: 'recommended',
      requiresTypeChecking: true,
    },
    messages: {
      reentry:
        '{{lock}} is already held here (taken on line {{heldLine}}), and this lock is not re-entrant: taking it again {{outcome}}.',
      waitWhileHeld:
        'This waits for {{lock}} to be unlocked, but the code here holds it (taken on line {{heldLine}}), so it {{outcome}}.',
      reentryThroughCall:
        '`{{callee}}` takes {{lock}} (line {{calleeLine}}), which is already held here (taken on line {{heldLine}}); the lock is not re-entrant, so this call {{outcome}}. Move the body of `{{callee}}` into a helper that does not take the lock and call that here.',
      unwrapInner: 'Run this section inline: {{lock}} is already held here, since line {{heldLine}}.',
    },
    schema: [],
  },
  create(context) {
    const file = lockFileOf(context, 'no-lock-reentry');
    return {
      'Program:exit'() {
        for (const reentry of findReentries(file)) {
          const data = { lock: reentry.label, heldLine: reentry.held.loc.start.line, outcome: outcome(reentry) };
          if (reentry.callee) {
            context.report({
              node: reentry.node,
              messageId: 'reentryThroughCall',
              data: {
                lock: data.lock,
                heldLine: data.heldLine,
                outcome: data.outcome,
                callee: reentry.callee.name,
                calleeLine: reentry.callee.line,
              },
            });
            continue;
          }
          const unwrap = reentry.unwrap;
          context.report({
            node: reentry.node,
            messageId: reentry.kind === 'wait' ? 'waitWhileHeld' : 'reentry',
            data,
            suggest: unwrap
              ? [{ messageId: 'unwrapInner', data, fix: (fixer) => fixer.replaceTextRange(unwrap.range, unwrap.text) }]
              : [],
          });
        }
      },
    };
  },
});
