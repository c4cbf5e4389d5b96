import { createRequire } from 'node:module';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';

const require = createRequire(__filename);

/** The built plugin, as users load it (the suite runs after `npm run build`). */
const plugin = require(path.resolve(__dirname, '../dist/src/index.js')) as { configs: { all: Linter.Config } };

export const corpusRoot = path.resolve(__dirname, '../fixtures/corpus');

/**
 * One linter and one config for the whole corpus, with `configs.all`: `parserOptions.project` makes
 * typescript-eslint build the corpus program once and reuse it for every file.
 */
export function corpusLinter(): { linter: Linter; config: Linter.Config[] } {
  return {
    linter: new Linter({ configType: 'flat', cwd: corpusRoot }),
    config: [
      {
        files: ['**/*.ts'],
        languageOptions: {
          parser: tsParser,
          parserOptions: { project: path.join(corpusRoot, 'tsconfig.json'), tsconfigRootDir: corpusRoot },
        },
      },
      plugin.configs.all,
    ],
  };
}
