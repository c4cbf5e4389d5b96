import type { JSONSchema, TSESLint } from '@typescript-eslint/utils';

import type { ConfiguredLock } from '../src/analysis/locks';
import { lockSitesOf } from '../src/analysis/lock-sites';
import { raceRuleSchema } from '../src/analysis/options';
import { criticalSections, unawaitedInSections } from '../src/analysis/unawaited-in-lock';
import { createRule } from '../src/util/create-rule';

export type MessageIds = 'unawaited' | 'unawaitedVariable' | 'unawaitedArray' | 'asyncForEach' | 'addAwait' | 'awaitAll' | 'returnPromise';

export interface Options {
  locks?: ConfiguredLock[];
}

// The same `locks` option as the race rules, so one list configures them all.
const { locks: locksSchema } = (raceRuleSchema[0] as { properties: Record<string, JSONSchema.JSONSchema4> }).properties;

export default createRule<[Options], MessageIds>({
  name: 'no-unawaited-in-lock',
  meta: {
    type: 'problem',
    hasSuggestions: true,
    docs: {
      description: 'Disallow promises started inside a critical section that are neither awaited nor returned before the lock is released',
      recommended: 'strict',
      requiresTypeChecking: true,
    },
    messages: {
      unawaited:
        'This promise is neither awaited nor returned inside the critical section of {{lock}} (taken on line {{line}}): its work goes on after the lock is released, unprotected.',
      unawaitedVariable:
        'The promise in `{{name}}` is neither awaited nor returned inside the critical section of {{lock}} (taken on line {{line}}): its work goes on after the lock is released, unprotected.',
      unawaitedArray:
        'These promises are neither awaited nor returned inside the critical section of {{lock}} (taken on line {{line}}): their work goes on after the lock is released, unprotected.',
      asyncForEach:
        '`forEach` does not wait for this async callback, so inside the critical section of {{lock}} (taken on line {{line}}) its work goes on after the lock is released. Use `for…of` with `await`, or `await Promise.all(….map(…))`.',
      addAwait: 'Await the promise, so that its work finishes inside the critical section.',
      returnPromise: 'Return the promise, so that the lock is held until it settles.',
      awaitAll: 'Await them all with `Promise.all`, so that their work finishes inside the critical section.',
    },
    schema: [
      {
        type: 'object',
        additionalProperties: false,
        properties: { locks: locksSchema },
      },
    ],
    defaultOptions: [{ locks: [] }],
  },
  create(context, [options]) {
    const sourceCode = context.sourceCode;
    // Fails at once, with one clear error, when the file has no type information.
    const sites = lockSitesOf(context, 'no-unawaited-in-lock', options.locks ?? []);
    return {
      Program() {
        for (const finding of unawaitedInSections(criticalSections(sites), sites.services, sourceCode)) {
          const { lock, line } = finding.section;
          if (finding.kind === 'unawaitedVariable') {
            const node = finding.node.type === 'VariableDeclarator' ? finding.node.id : finding.node.left;
            context.report({ node, messageId: 'unawaitedVariable', data: { lock, line, name: finding.name } });
          } else if (finding.kind === 'unawaitedArray') {
            const expression = finding.node;
            context.report({
              node: expression,
              messageId: 'unawaitedArray',
              data: { lock, line },
              suggest: finding.suggest.map((messageId) => ({
                messageId,
                fix: (fixer) => [fixer.insertTextBefore(expression, 'await Promise.all('), fixer.insertTextAfter(expression, ')')],
              })),
            });
          } else if (finding.kind === 'asyncForEach') {
            context.report({ node: finding.node, messageId: 'asyncForEach', data: { lock, line } });
          } else {
            const expression = finding.node;
            context.report({
              node: expression,
              messageId: 'unawaited',
              data: { lock, line },
              suggest: finding.suggest.map((messageId): TSESLint.SuggestionReportDescriptor<MessageIds> => ({
                messageId,
                fix: (fixer) => fixer.insertTextBefore(expression, messageId === 'addAwait' ? 'await ' : 'return '),
              })),
            });
          }
        }
      },
    };
  },
});
