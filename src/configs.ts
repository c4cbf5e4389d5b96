import type { TSESLint } from '@typescript-eslint/utils';

import type { AsyncRaceDocs } from './util/create-rule';

type AnyRule = TSESLint.RuleModule<string, readonly unknown[], AsyncRaceDocs>;
type ConfigName = 'recommended' | 'strict' | 'all';

const LEVEL: Record<ConfigName, ReadonlyArray<AsyncRaceDocs['recommended'] | undefined>> = {
  recommended: ['recommended'],
  strict: ['recommended', 'strict'],
  all: ['recommended', 'strict', undefined],
};

/** Builds the flat configs from each rule's `meta.docs.recommended`, so a rule is placed in exactly one tier. */
export function buildConfigs(
  plugin: TSESLint.FlatConfig.Plugin,
  rules: Record<string, AnyRule>,
): Record<ConfigName, TSESLint.FlatConfig.Config> {
  const build = (name: ConfigName): TSESLint.FlatConfig.Config => ({
    name: `async-race/${name}`,
    plugins: { 'async-race': plugin },
    rules: Object.fromEntries(
      Object.entries(rules)
        .filter(([, rule]) => LEVEL[name].includes(rule.meta.docs?.recommended))
        .map(([ruleName]) => [`async-race/${ruleName}`, 'error']),
    ),
  });
  return { recommended: build('recommended'), strict: build('strict'), all: build('all') };
}
