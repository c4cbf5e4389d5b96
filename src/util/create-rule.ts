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
 * A rule of the plugin. Each tells the per-file memory (`PerFile`) when it starts on a file and when
 * it is done with it, so that what the rules keep for a file is dropped as soon as the last of them
 * has reported, not when the next file comes.
 */
export const createRule: typeof createNamedRule = (rule) =>
  createNamedRule({
    ...rule,
    create(context, options) {
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
  });
