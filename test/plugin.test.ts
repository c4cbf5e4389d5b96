import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import tsParser from '@typescript-eslint/parser';
import { Linter as Linter10 } from 'eslint';
import { Linter as Linter9 } from 'eslint9';
import { describe, expect, it } from 'vitest';

import { racyCode, rulesFixture } from './rule-tester';

const require = createRequire(__filename);
const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };

interface BuiltPlugin {
  meta: { name: string; version: string };
  rules: Record<string, { meta: { docs: { url: string; recommended?: string; requiresTypeChecking: boolean }; schema: unknown[]; messages: Record<string, string> } }>;
  configs: Record<'recommended' | 'strict' | 'all', { plugins: Record<string, unknown>; rules: Record<string, string> }>;
}

// The published entry: what `require('eslint-plugin-async-race')` and `import` give users.
const plugin = require(path.join(root, 'dist/src/index.js')) as BuiltPlugin;
const ruleFiles = fs
  .readdirSync(path.join(root, 'rules'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));

describe('the plugin object', () => {
  it('names itself with the package name and version', () => {
    expect(plugin.meta).toEqual({ name: pkg.name, version: pkg.version });
  });

  it('is the default export for ES module importers too (eslint.config.mjs)', () => {
    // A real Node ES module, not the test runner's module graph.
    const script = `import plugin from ${JSON.stringify(pathToFileURL(path.join(root, 'dist/src/index.js')).href)};
      console.log(JSON.stringify([plugin.meta.name, Object.keys(plugin.rules), Object.keys(plugin.configs)]));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual([pkg.name, Object.keys(plugin.rules), ['recommended', 'strict', 'all']]);
  });

  it('exports every rule file, and nothing else', () => {
    expect(Object.keys(plugin.rules).sort()).toEqual([...ruleFiles].sort());
  });

  it.each(ruleFiles)('%s is documented, typed, and has a strict option schema', (name) => {
    const rule = plugin.rules[name];
    expect(rule.meta.docs.url.endsWith(`/docs/rules/${name}.md`)).toBe(true);
    expect(fs.existsSync(path.join(root, 'docs/rules', `${name}.md`))).toBe(true);
    expect(rule.meta.docs.requiresTypeChecking).toBe(true);
    // No options at all (an empty schema: ESLint rejects any option), or one strict options object.
    if (rule.meta.schema.length > 0) expect(rule.meta.schema).toMatchObject([{ type: 'object', additionalProperties: false }]);
    expect(Object.keys(rule.meta.messages).length).toBeGreaterThan(0);
  });

  it('builds nested configs from meta.docs.recommended, each registering the plugin as async-race', () => {
    const recommended = Object.keys(plugin.configs.recommended.rules);
    const strict = Object.keys(plugin.configs.strict.rules);
    const all = Object.keys(plugin.configs.all.rules);
    for (const config of Object.values(plugin.configs)) {
      expect(config.plugins['async-race']).toBe(plugin);
      expect(Object.values(config.rules).every((level) => level === 'error')).toBe(true);
    }
    expect(recommended.every((rule) => strict.includes(rule))).toBe(true);
    expect(strict.every((rule) => all.includes(rule))).toBe(true);
    expect(all.sort()).toEqual(ruleFiles.map((name) => `async-race/${name}`).sort());
    const recommendedByMeta = ruleFiles.filter((name) => plugin.rules[name].meta.docs.recommended === 'recommended');
    expect(recommended.sort()).toEqual(recommendedByMeta.map((name) => `async-race/${name}`).sort());
  });
});

describe.each([
  ['ESLint 10', Linter10],
  ['ESLint 9', Linter9],
] as const)('with %s', (_name, Linter) => {
  it('reports through configs.all with type information', () => {
    // Both majors share the verify() contract used here.
    const linter = new Linter({ configType: 'flat' }) as Linter10;
    const messages = linter.verify(
      racyCode,
      [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: rulesFixture } },
        },
        plugin.configs.all,
      ] as never,
      { filename: path.join(rulesFixture, 'file.ts') },
    );
    expect(messages.map((message) => [message.ruleId, message.line, message.column])).toEqual([
      ['async-race/no-lost-update', 7, 3],
    ]);
  });

  it('fixes with --fix: wraps the section in a new mutex and the output lints clean', () => {
    const linter = new Linter({ configType: 'flat' }) as Linter10;
    const config = [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tsParser, parserOptions: { projectService: true, tsconfigRootDir: rulesFixture } },
      },
      plugin.configs.all,
    ] as never;
    const filename = path.join(rulesFixture, 'file.ts');
    const result = linter.verifyAndFix(racyCode, config, { filename });
    expect(result.output).toBe(`
import { Mutex } from 'async-mutex';

declare function save(): Promise<void>;
let counter = 0;
const counterMutex = new Mutex();
export async function increment() {
  await counterMutex.runExclusive(async () => {
    const current = counter;
    await save();
    counter = current + 1;
  });
}
`);
    expect(result.messages).toEqual([]);
  });

  it('fails with one clear error naming the setting when type information is missing', () => {
    // Both majors share the verify() contract used here.
    const linter = new Linter({ configType: 'flat' }) as Linter10;
    const lint = () =>
      linter.verify(
        racyCode,
        [{ files: ['**/*.ts'], languageOptions: { parser: tsParser } }, plugin.configs.recommended] as never,
        { filename: path.join(rulesFixture, 'file.ts') },
      );
    expect(lint).toThrow(/async-race\/no-lost-update needs type information.*parserOptions\.projectService: true/);
  });
});
