import * as ESLintUtils from '@typescript-eslint/utils/eslint-utils';

export interface AsyncRaceDocs {
  description: string;
  /** Which shipped config first enables the rule: `recommended` ⊂ `strict` ⊂ `all`. */
  recommended?: 'recommended' | 'strict';
  requiresTypeChecking: true;
}

const REPO_URL = 'https://github.com/eslint-plugin-async-race/eslint-plugin-async-race';

export const docsUrl = (name: string): string => `${REPO_URL}/blob/main/docs/rules/${name}.md`;

export const createRule = ESLintUtils.RuleCreator<AsyncRaceDocs>(docsUrl);
