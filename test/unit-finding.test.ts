// The race rules find the functions to analyse while ESLint walks the file (listeners on the node
// types that matter); called without those listeners, the analysis walks the file itself. Both
// must give the same findings: over the labelled corpus, every finding, of both kinds.
import * as fs from 'node:fs';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import type { TSESLint } from '@typescript-eslint/utils';
import { Linter, type Rule } from 'eslint';
import { describe, expect, it } from 'vitest';

import { analyzeRaces, raceUnitListeners } from '../src/analysis/analyze';
import { corpora } from './corpus-linter';

/** ESLint's rule context, as typescript-eslint types it. */
const asTs = (context: Rule.RuleContext): Readonly<TSESLint.RuleContext<string, readonly unknown[]>> => context as never;

/** The findings of one file, as `kind:line:column` of each write. */
function findingsOf(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): string[] {
  return analyzeRaces(context, 'no-lost-update', {}).findings.map(
    (finding) => `${finding.kind}:${finding.write.loc.start.line}:${finding.write.loc.start.column}`,
  );
}

describe('functions to analyse, found during ESLint’s traversal or by a walk of the file', () => {
  const corpus = corpora[0];
  const linter = new Linter({ configType: 'flat', cwd: corpus.root });
  let found: string[] = [];
  /** Per file: how many listeners each of the two race rules gave ESLint. */
  let listenerCounts: number[] = [];
  let filesListened = 0;
  const rules: Record<string, Rule.RuleModule> = {
    // Two race rules, as configs.all has: the first adds the listeners, the second shares its finder.
    listening: {
      meta: { type: 'problem', schema: [] },
      create: (context) => {
        const listeners = raceUnitListeners(asTs(context), 'no-lost-update', {}) as Rule.RuleListener;
        listenerCounts.push(Object.keys(listeners).length);
        return { ...listeners, 'Program:exit': () => (found = findingsOf(asTs(context))) };
      },
    },
    alsoListening: {
      meta: { type: 'problem', schema: [] },
      create: (context) => {
        const listeners = raceUnitListeners(asTs(context), 'no-stale-check', {}) as Rule.RuleListener;
        listenerCounts.push(Object.keys(listeners).length);
        return listeners;
      },
    },
    walking: {
      meta: { type: 'problem', schema: [] },
      create: (context) => ({ Program: () => (found = findingsOf(asTs(context))) }),
    },
  };
  const config = (rule: string): Linter.Config[] => [
    {
      files: ['**/*.ts'],
      languageOptions: {
        parser: tsParser,
        parserOptions: { project: path.join(corpus.root, 'tsconfig.json'), tsconfigRootDir: corpus.root },
      },
      plugins: { unit: { rules } },
      rules: rule === 'listening' ? { 'unit/listening': 'error', 'unit/alsoListening': 'error' } : { 'unit/walking': 'error' },
    },
  ];
  const files = fs.readdirSync(path.join(corpus.root, 'cases')).filter((file) => file.endsWith('.ts'));
  const run = (rule: string): string[] =>
    files.flatMap((file) => {
      const filename = path.join(corpus.root, 'cases', file);
      found = [];
      listenerCounts = [];
      const messages = linter.verify(fs.readFileSync(filename, 'utf8'), config(rule), { filename });
      expect(messages).toEqual([]);
      // The second rule adds no listeners: the first one's feed the finder both share.
      if (rule === 'listening' && listenerCounts[0] > 0) {
        filesListened++;
        expect(listenerCounts).toEqual([listenerCounts[0], 0]);
      }
      return found.map((finding) => `${file} ${finding}`);
    });

  it('are the same functions: the findings agree, file by file', () => {
    const listening = run('listening');
    expect(filesListened).toBeGreaterThan(50);
    expect(listening.filter((finding) => finding.includes(' lostUpdate:')).length).toBeGreaterThan(50);
    expect(listening.filter((finding) => finding.includes(' staleCheck:')).length).toBeGreaterThan(20);
    expect(run('walking')).toEqual(listening);
  });
});
