// The project's own lint: typescript-eslint's strictest type-checked preset on our TypeScript.
import { defineConfig, globalIgnores } from 'eslint/config';
import eslintPlugin from 'eslint-plugin-eslint-plugin';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // fixtures/ are lint targets with deliberate races; scripts/ are plain Node ESM tools.
  globalIgnores(['dist/', 'node_modules/', 'fixtures/', 'coverage/', '.tmp/', 'scripts/']),
  {
    name: 'async-race/typescript',
    files: ['src/**/*.ts', 'rules/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Messages and test names interpolate line numbers and counts.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // AST invariants the types cannot express (a non-Program node has a parent, a WeakMap entry
      // was stored by an earlier visitor): an assertion states them; a defensive branch would be
      // dead code that no test can reach.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // ESTree code compares `node.type` with string literals; TypeScript already narrows on them and
      // rejects a literal that is not a node type, so the enum-only style adds nothing.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    // Our rules are linted as ESLint rules too: meta, message ids, fixer and test-case shape.
    name: 'async-race/rules',
    files: ['rules/**/*.ts', 'src/analysis/report.ts'],
    extends: [eslintPlugin.configs.recommended],
    rules: {
      // Reports (and their suggestions) are made by the shared raceRuleListener, which this rule
      // cannot follow from the rule file; fixes.test.ts shows every rule offering suggestions.
      'eslint-plugin/require-meta-has-suggestions': 'off',
    },
  },
);
