// eslint-doc-generator writes the README rules table and the header of every docs/rules/*.md from
// the built plugin (dist/, through package.json "main"): rules, configs and meta are read at run
// time, so a new rule needs no change here. `npm run docs` writes, `npm run docs:check` fails on a diff.

/** @type {import('eslint-doc-generator').GenerateOptions} */
module.exports = {
  pathRuleList: 'README.md',
  pathRuleDoc: 'docs/rules/{name}.md',
  ruleDocTitleFormat: 'prefix-name',
  configEmoji: [
    ['recommended', '✅'],
    ['strict', '🔒'],
  ],
  // Every rule is in `all`; a column that marks every row says nothing.
  ignoreConfig: ['all'],
  urlConfigs: 'https://github.com/eslint-plugin-async-race/eslint-plugin-async-race#configure',
  ruleListColumns: ['name', 'description', 'configsError', 'fixable', 'hasSuggestions', 'requiresTypeChecking', 'deprecated'],
  ruleDocNotices: ['description', 'configs', 'deprecated', 'fixableAndHasSuggestions', 'requiresTypeChecking'],
  ruleDocSectionInclude: ['Rule details', 'When Not To Use It'],
};
