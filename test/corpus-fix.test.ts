// `eslint --fix` over the whole labelled corpus, as a user's pre-commit hook would run it: every
// fixed file must type-check, and linting it again must leave only reports that have no autofix
// (a lock that needs restructuring, a yield, …): the fixes converge.
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

import { corpora, corpusLinter } from './corpus-linter';

const scratch = path.resolve(__dirname, '../.tmp');

describe.each(corpora)('eslint --fix over the $name', ({ root: corpusRoot, minimumCases, minimumFixedShare }) => {
  fs.mkdirSync(scratch, { recursive: true });
  const fixedRoot = fs.mkdtempSync(path.join(scratch, 'corpus-fixed-'));
  fs.cpSync(corpusRoot, fixedRoot, { recursive: true });
  afterAll(() => { fs.rmSync(fixedRoot, { recursive: true, force: true }); });
  const { linter, config } = corpusLinter(corpusRoot);
  const files = fs.readdirSync(path.join(corpusRoot, 'cases')).filter((file) => file.endsWith('.ts'));
  const leftovers: string[] = [];
  let fixedFiles = 0;
  for (const file of files) {
    const filename = path.join(corpusRoot, 'cases', file);
    const result = linter.verifyAndFix(fs.readFileSync(filename, 'utf8'), config, { filename });
    if (result.fixed) {
      fixedFiles++;
      fs.writeFileSync(path.join(fixedRoot, 'cases', file), result.output);
    }
    for (const message of result.messages) {
      if (message.fatal || message.fix) leftovers.push(`${file}:${message.line} ${message.message}`);
    }
  }

  it('fixes its share of the files, and leaves no report that still has an autofix', () => {
    expect(fixedFiles).toBeGreaterThanOrEqual(Math.floor(minimumCases * minimumFixedShare));
    expect(leftovers).toEqual([]);
  });

  it('leaves every fixed file type-checking (no diagnostic the original did not have)', () => {
    // Compared by file and message, not line (a wrap moves lines), so that a TypeScript version's own
    // complaint about a corpus file cannot hide, or fake, one that a fix introduced.
    const diagnosticsOf = (root: string): string[] => {
      const parsed = ts.parseJsonConfigFileContent(
        ts.readConfigFile(path.join(root, 'tsconfig.json'), (name) => ts.sys.readFile(name)).config,
        ts.sys,
        root,
      );
      const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
      return ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => `${diagnostic.file ? path.basename(diagnostic.file.fileName) : ''} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    };
    const before = diagnosticsOf(corpusRoot);
    const introduced = diagnosticsOf(fixedRoot).filter((diagnostic) => {
      const index = before.indexOf(diagnostic);
      if (index < 0) return true;
      before.splice(index, 1);
      return false;
    });
    expect(introduced).toEqual([]);
  });
});
