import { findIneffectiveLocks } from '../src/analysis/ineffective-lock';
import { lockFileOf } from '../src/analysis/lock-identity';
import { createRule } from '../src/util/create-rule';

export type MessageIds =
  | 'lockPerCall'
  | 'lockPerInstance'
  | 'lockPerRender'
  | 'doneNeverCalled'
  | 'releaseNeverAcquired'
  | 'releaseAfterFailedAcquire'
  | 'releaseAfterFailedTry'
  | 'releaseTwice'
  | 'hoistLock';

export default createRule<[], MessageIds>({
  name: 'no-ineffective-lock',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Disallow locks that cannot exclude anyone: created per call or per render, never released, or released when not held',
      recommended: 'strict',
      requiresTypeChecking: true,
    },
    messages: {
      lockPerCall:
        '`{{name}}` is created on line {{createdLine}}, on every call of this function, so the lock taken here is a new one each time and excludes no other call. Create it once, outside the function.',
      lockPerInstance:
        '`{{name}}` is a new `{{className}}` on every call of this function, so its lock `{{field}}` (taken on line {{takeLine}}) is a new one each time and excludes no other call. Share one instance, or make the lock shared by all instances.',
      lockPerRender:
        '`{{name}}` is created anew on every render of `{{component}}` (line {{createdLine}}), so the lock taken here differs from render to render and code from different renders does not exclude each other. Keep one lock across renders (`useRef`, `useState`) or create it at module level.',
      doneNeverCalled:
        'This callback declares `{{done}}`, so async-lock runs it in callback mode and holds key {{key}} until `{{done}}` is called; it never is, so every later acquire of that key waits forever.',
      releaseNeverAcquired:
        'Nothing in this function (line {{line}}) acquires {{lock}}, yet this `finally` releases it: that frees a lock another task holds (or throws "Cannot release an unacquired lock"). Acquire it here, before the `try`.',
      releaseAfterFailedAcquire:
        'When `acquireAsync` (line {{line}}) or a statement before it in the `try` throws, this `finally` releases {{lock}} although this call does not hold it: it frees another task\'s lock (or throws "Cannot release an unacquired lock"). Acquire before the `try`.',
      releaseAfterFailedTry:
        'This runs when `tryAcquire()` on line {{line}} returned false, so {{lock}} is not held by this call: releasing it frees another task\'s lock (or throws "Cannot release an unacquired lock").',
      releaseTwice:
        '{{lock}} was already released on line {{line}}; this `finally` releases it again, freeing a lock another task may hold by now (or throwing "Cannot release an unacquired lock").',
      hoistLock: 'Create `{{name}}` once, at module level, so that every call shares it.',
    },
    schema: [],
  },
  create(context) {
    const file = lockFileOf(context, 'no-ineffective-lock');
    return {
      'Program:exit'() {
        for (const finding of findIneffectiveLocks(file)) {
          switch (finding.kind) {
            case 'perCall': {
              const hoist = finding.hoist;
              context.report({
                node: finding.take,
                messageId: 'lockPerCall',
                data: { name: finding.name, createdLine: finding.node.loc.start.line },
                suggest: hoist
                  ? [
                      {
                        messageId: 'hoistLock',
                        data: { name: finding.name },
                        fix: (fixer) => [fixer.insertTextBeforeRange([hoist.insertAt, hoist.insertAt], hoist.text), fixer.removeRange(hoist.remove)],
                      },
                    ]
                  : [],
              });
              break;
            }
            case 'perInstance':
              context.report({
                node: finding.node,
                messageId: 'lockPerInstance',
                data: { name: finding.name, className: finding.className, field: finding.field, takeLine: finding.take.loc.start.line },
              });
              break;
            case 'perRender':
              context.report({
                node: finding.take,
                messageId: 'lockPerRender',
                data: { name: finding.name, component: finding.component, createdLine: finding.node.loc.start.line },
              });
              break;
            case 'doneNeverCalled':
              context.report({ node: finding.node, messageId: 'doneNeverCalled', data: { done: finding.node.name, key: finding.key } });
              break;
            case 'releaseNotHeld': {
              const messageId = {
                neverAcquired: 'releaseNeverAcquired',
                acquireMayThrow: 'releaseAfterFailedAcquire',
                tryAcquireFailed: 'releaseAfterFailedTry',
                releasedTwice: 'releaseTwice',
              } as const;
              context.report({ node: finding.node, messageId: messageId[finding.reason], data: { lock: finding.label, line: finding.line } });
              break;
            }
          }
        }
      },
    };
  },
});
