import * as path from 'node:path';

import { RuleTester } from '@typescript-eslint/rule-tester';
import * as vitest from 'vitest';

RuleTester.afterAll = vitest.afterAll;
RuleTester.describe = vitest.describe;
RuleTester.it = vitest.it;

/** The fixture project the rule tests are type-checked in: real `async-mutex` and `async-lock` types. */
export const rulesFixture = path.resolve(__dirname, '../fixtures/rules');

export function createRuleTester(tsconfigRootDir = rulesFixture): RuleTester {
  return new RuleTester({
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir,
      },
    },
  });
}
