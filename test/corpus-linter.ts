import { createRequire } from 'node:module';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';

const require = createRequire(__filename);

/** The built plugin, as users load it (the suite runs after `npm run build`). */
const plugin = require(path.resolve(__dirname, '../dist/src/index.js')) as { configs: { all: Linter.Config } };

export interface Corpus {
  name: string;
  root: string;
  /** The fewest cases the corpus must hold, so that a lost folder cannot pass unnoticed. */
  minimumCases: number;
}

/**
 * The labelled corpora: the main one (218 snippets), and a held-out one written blind, without
 * seeing the main corpus, the tests or the engine.
 */
export const corpora: readonly Corpus[] = [
  { name: 'corpus', root: path.resolve(__dirname, '../fixtures/corpus'), minimumCases: 200 },
  { name: 'held-out corpus', root: path.resolve(__dirname, '../fixtures/heldout'), minimumCases: 70 },
];

/**
 * One linter and one config for the whole corpus, with `configs.all`: `parserOptions.project` makes
 * typescript-eslint build the corpus program once and reuse it for every file.
 */
export function corpusLinter(corpusRoot: string): { linter: Linter; config: Linter.Config[] } {
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
