import * as path from 'node:path';

import { RuleTester } from '@typescript-eslint/rule-tester';
import * as vitest from 'vitest';

RuleTester.afterAll = vitest.afterAll;
RuleTester.describe = vitest.describe;
RuleTester.it = vitest.it;

/** The fixture project the rule tests are type-checked in: real `async-mutex` and `async-lock` types. */
export const rulesFixture = path.resolve(__dirname, '../fixtures/rules');

/** The lost update of the guide, as a whole file of the rules fixture: one report of no-lost-update, on line 7. */
export const racyCode = `
declare function save(): Promise<void>;
let counter = 0;
export async function increment() {
  const current = counter;
  await save();
  counter = current + 1;
}
`;

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
