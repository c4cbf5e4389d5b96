import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { ESLint, Linter } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

import { eslintMajors, plugin, pluginConfig, repositoryRoot, typedLanguageOptions } from './eslint-api';

/**
 * Bad input gets ESLint's and typescript-eslint's ordinary errors, never a crash inside the plugin:
 * a missing tsconfig, a file outside the project and a syntax error are fatal parsing messages of
 * that file; a misspelled option is rejected by the rule's schema before anything is linted; a file
 * without type information stops the run with the plugin's own error naming the setting to add; a
 * file with type errors is linted. The messages and errors are checked for their text, and for not
 * coming from the plugin's code (`dist/`).
 */

const racy = `let counter = 0;

export async function increment(save: () => Promise<void>): Promise<void> {
  const current = counter;
  await save();
  counter = current + 1;
}
`;

/**
 * A race after 2,000 branches of one function. TypeScript cannot analyse the flow that deep (tsc calls
 * the function too large for control flow analysis; asked the flow type of a read there, the checker
 * overflows its stack), so the checker is not asked: the race is reported, and no fix is offered,
 * since neither its narrowing check nor the recognition of its mutex, once there, could be made.
 */
const BRANCHES = 2000;
const tooLarge = `declare function flag(): boolean;
declare function tick(): Promise<void>;
let total = 0;
let other = 0;
export async function big(): Promise<void> {
${'  if (flag()) other = 1;\n'.repeat(BRANCHES)}  const seen = total;
  await tick();
  total = seen + 1;
  console.log(total);
}
`;

/** The same for a check-then-act that the in-flight promise suggestion would otherwise rewrite. */
const tooLargeMemo = `declare function flag(): boolean;
declare function load(key: string): Promise<number>;
let other = 0;
let cached: number | undefined;
export async function big(): Promise<number> {
${'  if (flag()) other = 1;\n'.repeat(BRANCHES)}  if (cached === undefined) cached = await load(String(other));
  return cached;
}
`;

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A scratch project: `files` written under `root` (created in `parent`). */
function project(parent: string, files: Record<string, string>): string {
  fs.mkdirSync(parent, { recursive: true });
  const root = fs.mkdtempSync(path.join(parent, 'bad-input-'));
  scratchDirs.push(root);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

// Inside the repository (so that @types/node and async-mutex resolve), with its own tsconfig.
const tsconfig = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'node16', strict: true, noEmit: true, types: [] },
  include: ['src'],
});
const inRepository = project(path.join(repositoryRoot, '.tmp'), {
  'tsconfig.json': tsconfig,
  'src/racy.ts': racy,
  'src/syntax-error.ts': `${racy}\nlet broken = ;\n`,
  'src/type-errors.ts': `import { Mutex } from 'not-installed';\n\n${racy}\nexport const lock: Mutex = new Mutex(missing);\n`,
  'scripts/outside.ts': racy,
  // What the default parser can read: the same module without its types.
  'src/racy.js': racy.replace('(save: () => Promise<void>): Promise<void>', '(save)'),
  'src/too-large.ts': tooLarge,
  'src/too-large-memo.ts': tooLargeMemo,
});
// In the OS temp directory: no tsconfig.json here or in any folder above it.
const withoutTsconfig = project(os.tmpdir(), { 'racy.ts': racy });

/** `line:column rule message` of every message; `fatal` in place of the rule for a parsing error. */
const show = (results: readonly ESLint.LintResult[]) =>
  results.flatMap((result) => result.messages.map((message) => `${message.line}:${message.column} ${message.ruleId ?? 'fatal'} ${message.message}`));

const pluginCode = path.join(repositoryRoot, 'dist');
const fromPlugin = (text: string) => text.includes(pluginCode) || /\b(TypeError|ReferenceError|RangeError)\b/.test(text);

/** The error a call throws, or a failure when it throws nothing. */
async function thrownBy(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected an error, but the call returned');
}

const rulesWithOptions = Object.keys(plugin.rules).filter((rule) => Array.isArray(plugin.rules[rule].meta.schema) && (plugin.rules[rule].meta.schema as unknown[]).length > 0);
const rulesWithoutOptions = Object.keys(plugin.rules).filter((rule) => !rulesWithOptions.includes(rule));
const hasFixOption = (rule: string) => JSON.stringify(plugin.rules[rule].meta.schema).includes('"fix":{');

describe.each(eslintMajors)('with %s', (_major, ESLintClass) => {
  const lint = (cwd: string, file: string, config: Linter.Config[]) =>
    new ESLintClass({ cwd, overrideConfigFile: true, overrideConfig: config }).lintFiles([file]);
  const typed = (cwd: string, extra: Linter.Config[] = []) => [typedLanguageOptions(cwd), pluginConfig('all'), ...extra];

  it('lints the scratch project (so the failures below are the bad input’s)', async () => {
    expect(show(await lint(inRepository, 'src/racy.ts', typed(inRepository)))).toEqual([
      '6:3 async-race/no-lost-update `counter` was read on line 4, the function suspended at line 5, and this write overwrites any update made meanwhile.',
    ]);
  });

  it('a missing tsconfig: the project service’s parsing error for the file', async () => {
    const messages = show(await lint(withoutTsconfig, 'racy.ts', typed(withoutTsconfig)));
    expect(messages).toEqual([
      `undefined:undefined fatal Parsing error: ${path.join(withoutTsconfig, 'racy.ts')} was not found by the project service. Consider either including it in the tsconfig.json or including it in allowDefaultProject.`,
    ]);
  });

  it('a `project` tsconfig that does not exist: the parser’s “cannot read file” error', async () => {
    const messages = show(
      await lint(inRepository, 'src/racy.ts', [
        { ...typedLanguageOptions(inRepository), languageOptions: { ...typedLanguageOptions(inRepository).languageOptions, parserOptions: { project: 'missing.json', tsconfigRootDir: inRepository } } },
        pluginConfig('all'),
      ]),
    );
    expect(messages).toEqual([`undefined:undefined fatal Parsing error: Cannot read file '${path.join(inRepository, 'missing.json')}'.`]);
  });

  it('a file outside the project: the project service’s parsing error for that file', async () => {
    const messages = show(await lint(inRepository, 'scripts/outside.ts', typed(inRepository)));
    expect(messages).toEqual([
      `undefined:undefined fatal Parsing error: ${path.join(inRepository, 'scripts', 'outside.ts')} was not found by the project service. Consider either including it in the tsconfig.json or including it in allowDefaultProject.`,
    ]);
  });

  it('a syntax error: the parsing error with its position, and no rule runs', async () => {
    expect(show(await lint(inRepository, 'src/syntax-error.ts', typed(inRepository)))).toEqual(['9:13 fatal Parsing error: Expression expected.']);
  });

  it('a race after more branches than TypeScript can analyse: reported, no fix, no crash', async () => {
    const raceLine = BRANCHES + 6;
    const [result] = await new ESLintClass({ cwd: inRepository, overrideConfigFile: true, overrideConfig: typed(inRepository), fix: true }).lintFiles(['src/too-large.ts']);
    expect(result.output).toBeUndefined();
    expect(result.messages.map((message) => [message.fix, message.suggestions])).toEqual([[undefined, undefined]]);
    expect(show([result])).toEqual([
      `${raceLine + 2}:3 async-race/no-lost-update \`total\` was read on line ${raceLine}, the function suspended at line ${raceLine + 1}, and this write overwrites any update made meanwhile.`,
    ]);
  });

  it('a check-then-act after more branches than TypeScript can analyse: reported, no suggestion', async () => {
    const [result] = await lint(inRepository, 'src/too-large-memo.ts', typed(inRepository));
    const line = BRANCHES + 6;
    expect(result.messages.map((message) => [message.fix, message.suggestions])).toEqual([[undefined, undefined]]);
    expect(show([result])).toEqual([
      `${line}:29 async-race/no-stale-check \`cached\` was checked on line ${line} and the function suspended at line ${line} before this write: concurrent callers can all pass that check, or change \`cached\` meanwhile, so the write may act on a check that no longer holds.`,
    ]);
  });

  it('type errors (an unresolved import, an undeclared name): linted as usual', async () => {
    expect(show(await lint(inRepository, 'src/type-errors.ts', typed(inRepository)))).toEqual([
      '8:3 async-race/no-lost-update `counter` was read on line 6, the function suspended at line 7, and this write overwrites any update made meanwhile.',
    ]);
  });

  it.each(rulesWithOptions)('a misspelled option of %s is rejected by its schema', async (rule) => {
    const misspelled = await thrownBy(() => lint(inRepository, 'src/racy.ts', typed(inRepository, [{ rules: { [`async-race/${rule}`]: ['error', { fxi: 'none' }] } }])));
    expect(misspelled.message).toMatch(new RegExp(`^Key "rules": Key "async-race/${rule}":\\n\\tValue .* should NOT have additional properties\\.\\n\\t\\tUnexpected property "fxi"\\.`));
    expect(fromPlugin(`${misspelled.message}\n${misspelled.stack ?? ''}`)).toBe(false);
  });

  it.each(rulesWithOptions.filter(hasFixOption))('a misspelled `fix` value of %s is rejected by its schema', async (rule) => {
    const misspelled = await thrownBy(() => lint(inRepository, 'src/racy.ts', typed(inRepository, [{ rules: { [`async-race/${rule}`]: ['error', { fix: 'autofx' }] } }])));
    expect(misspelled.message).toBe(`Key "rules": Key "async-race/${rule}":\n\tValue "autofx" should be equal to one of the allowed values.\n`);
    expect(fromPlugin(misspelled.stack ?? '')).toBe(false);
  });

  it.each(rulesWithoutOptions)('an option given to %s, which takes none, is rejected by its schema', async (rule) => {
    const extra = await thrownBy(() => lint(inRepository, 'src/racy.ts', typed(inRepository, [{ rules: { [`async-race/${rule}`]: ['error', { fxi: 'none' }] } }])));
    expect(extra.message).toBe(`Key "rules": Key "async-race/${rule}":\n\tValue [{"fxi":"none"}] should NOT have more than 0 items.\n`);
  });

  it.each(Object.keys(plugin.rules))('%s with the default parser (espree, no type information): one error naming the setting', async (rule) => {
    const missing = await thrownBy(() =>
      lint(inRepository, 'src/racy.js', [{ plugins: { 'async-race': plugin as unknown as ESLint.Plugin }, rules: { [`async-race/${rule}`]: 'error' } }]),
    );
    expect(missing.name).not.toBe('TypeError');
    expect(missing.message).toMatch(new RegExp(`^Error while loading rule 'async-race/${rule}': .*type information`));
  });
});
