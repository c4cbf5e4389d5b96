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
  /**
   * The least share of `minimumCases` that `--fix` must change: about half of a race corpus gets
   * the runExclusive wrap; of the lock-misuse rules only require-lock-release has an autofix.
   */
  minimumFixedShare: number;
  /**
   * Labelled reports the plugin does not make yet, each with the reason: the case then asserts
   * everything else it expects, and fails once the report appears (so the entry must go). They
   * still count as misses in the corpus's recall.
   */
  knownMisses?: Readonly<Record<string, { report: string; why: string }>>;
}

/**
 * The labelled corpora: the main one (218 snippets), a held-out one written blind, without seeing
 * the main corpus, the tests or the engine, and a held-out set of lock misuse (81 snippets) written
 * blind while the lock-hygiene rules were being written.
 */
export const corpora: readonly Corpus[] = [
  { name: 'corpus', root: path.resolve(__dirname, '../fixtures/corpus'), minimumCases: 200, minimumFixedShare: 0.4 },
  { name: 'held-out corpus', root: path.resolve(__dirname, '../fixtures/heldout'), minimumCases: 70, minimumFixedShare: 0.4 },
  {
    name: 'held-out lock-misuse corpus',
    root: path.resolve(__dirname, '../fixtures/heldout-locks'),
    minimumCases: 80,
    minimumFixedShare: 0.04,
    knownMisses: {
      '37-per-request-service-instance.ts': {
        report: 'no-ineffective-lock:12',
        why: 'a lock per instance is followed only when the per-call instance is used through the lock field itself, not through a method that takes it',
      },
    },
  },
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
