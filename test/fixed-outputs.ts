import * as fs from 'node:fs';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { rulesFixture } from './rule-tester';

// The built plugin, as users load it (the suite runs after `npm run build`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require('../dist/src/index.js') as { configs: { all: object } };

/**
 * Type-checks files (name → text) in a copy of the rule-test fixture project (inside the repository,
 * so that async-mutex resolves), as one program; returns the diagnostics. The copy is removed after.
 */
export function typeCheckInFixtureCopy(files: ReadonlyArray<{ file: string; text: string }>, extraOptions: ts.CompilerOptions = {}): string[] {
  const scratch = path.join(rulesFixture, '..', '..', '.tmp');
  fs.mkdirSync(scratch, { recursive: true });
  const copy = fs.mkdtempSync(path.join(scratch, 'fixed-'));
  try {
    fs.cpSync(path.join(rulesFixture, 'lib'), path.join(copy, 'lib'), { recursive: true });
    for (const { file, text } of files) fs.writeFileSync(path.join(copy, file), text);
    const config = ts.readConfigFile(path.join(rulesFixture, 'tsconfig.json'), (file) => ts.sys.readFile(file));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, copy);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, ...extraOptions } });
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file
        ? `${path.basename(diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** Lints a fixed output with every rule of the plugin (`configs.all`): what is left to report. */
function lintWithAllRules(text: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const config = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: rulesFixture } },
    },
    plugin.configs.all,
  ] as never;
  return linter
    .verify(text, config, { filename: path.join(rulesFixture, 'file.ts') })
    .map((message) => `${message.line}:${message.column} ${message.ruleId ?? 'fatal'} ${message.message}`);
}

/** Every fix and suggestion output of a rule's tests (at least `minimum` of them) type-checks and lints clean. */
export function describeFixedOutputs(title: string, outputs: readonly string[], minimum: number): void {
  describe(title, () => {
    it('type-check with zero diagnostics', () => {
      expect(outputs.length).toBeGreaterThanOrEqual(minimum);
      expect(typeCheckInFixtureCopy(outputs.map((text, index) => ({ file: `output-${index}.ts`, text })))).toEqual([]);
    });

    it('lint clean with every rule of the plugin', () => {
      expect(outputs.flatMap((output) => lintWithAllRules(output))).toEqual([]);
    });
  });
}
