import type { TSESTree } from '@typescript-eslint/utils';
import * as ESLintUtils from '@typescript-eslint/utils/eslint-utils';

import { endFile, startFile } from './per-file';

export interface AsyncRaceDocs {
  description: string;
  /** Which shipped config first enables the rule: `recommended` ⊂ `strict` ⊂ `all`. */
  recommended?: 'recommended' | 'strict';
  requiresTypeChecking: true;
}

const REPO_URL = 'https://github.com/eslint-plugin-async-race/eslint-plugin-async-race';

export const docsUrl = (name: string): string => `${REPO_URL}/blob/main/docs/rules/${name}.md`;

const createNamedRule = ESLintUtils.RuleCreator<AsyncRaceDocs>(docsUrl);

/**
 * A rule of the plugin.
 *
 * Its options with their defaults are worked out once per set of options, not for every file:
 * typescript-eslint's rule creator clones the defaults (`structuredClone`) and merges the user's
 * options into them each time a rule starts on a file, 10–15 µs a rule, a tenth of the plugin's
 * time on a small file. The rules only read their options.
 *
 * Each rule also tells the per-file memory (`PerFile`) when it starts on a file and when it is done
 * with it, so that what the rules keep for a file is dropped as soon as the last of them has
 * reported, not when the next file comes.
 */
export function createRule<Options extends readonly unknown[], MessageIds extends string>(
  rule: Parameters<typeof createNamedRule<Options, MessageIds>>[0],
): ReturnType<typeof createNamedRule<Options, MessageIds>> {
  const made = createNamedRule(rule);
  const defaults = (made.meta.defaultOptions ?? []) as Options;
  const withDefaults = new Map<string, Options>();
  return {
    ...made,
    create(context) {
      const key = JSON.stringify(context.options);
      let options = withDefaults.get(key);
      if (!options) {
        // Options change only with the configuration: a long-lived process (an editor) sees few.
        if (withDefaults.size >= 32) withDefaults.clear();
        options = ESLintUtils.applyDefault<Options, Options>(defaults, context.options);
        withDefaults.set(key, options);
      }
      const sourceCode = context.sourceCode;
      startFile(sourceCode);
      const listeners = rule.create(context, options);
      const own = listeners['Program:exit'];
      return {
        ...listeners,
        'Program:exit'(node: TSESTree.Program) {
          try {
            own?.(node);
          } finally {
            endFile(sourceCode);
          }
        },
      };
    },
  };
}
