import { createRequire } from 'node:module';
import * as path from 'node:path';

import { ESLint as ESLint10, type Linter } from 'eslint';
import { ESLint as ESLint9 } from 'eslint9';
import tseslint from 'typescript-eslint';
import * as ts from 'typescript';

const require = createRequire(__filename);

export const repositoryRoot = path.resolve(__dirname, '..');

export interface BuiltPlugin {
  meta: { name: string; version: string };
  rules: Record<string, { meta: { docs?: { recommended?: string }; schema: unknown } }>;
  configs: Record<'recommended' | 'strict' | 'all', Linter.Config>;
}

/** The built plugin, as users load it (the suite runs after `npm run build`). */
export const plugin = require(path.join(repositoryRoot, 'dist/src/index.js')) as BuiltPlugin;

/**
 * Both supported ESLint majors through their public `ESLint` class: `eslint` is 10, the `eslint9`
 * alias is 9. Their constructor options and results are the same for what the tests use.
 */
export const eslintMajors = [
  ['ESLint 10', ESLint10],
  ['ESLint 9', ESLint9 as unknown as typeof ESLint10],
] as const;

/** Every file extension the plugin lints, with `allowJs`/`checkJs` for the JavaScript ones. */
export const lintedFiles = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'];

/** typescript-eslint's parser with the project service, as the README tells users to configure it. */
export function typedLanguageOptions(tsconfigRootDir: string): Linter.Config {
  return {
    files: lintedFiles,
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir } },
  };
}

/** A plugin config (`recommended`, `strict`, `all`) scoped to the linted files. */
export function pluginConfig(name: keyof BuiltPlugin['configs']): Linter.Config {
  return { files: lintedFiles, ...plugin.configs[name] };
}

/** Options for `new ESLint(…)` that lint the project at `cwd` with one plugin config and no config file. */
export function typedLintOptions(cwd: string, config: keyof BuiltPlugin['configs']): ESLint10.Options {
  return { cwd, overrideConfigFile: true, overrideConfig: [typedLanguageOptions(cwd), pluginConfig(config)] };
}

/** The type errors of the TypeScript project at `projectDir`, as `file:line message`. */
export function typeErrors(projectDir: string): string[] {
  const config = ts.readConfigFile(path.join(projectDir, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, projectDir);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const file = diagnostic.file;
    const where = file ? `${path.relative(projectDir, file.fileName)}:${file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}
