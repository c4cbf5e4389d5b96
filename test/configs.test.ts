import * as fs from 'node:fs';
import * as path from 'node:path';

import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { eslintMajors, plugin, pluginConfig, repositoryRoot, typedLanguageOptions } from './eslint-api';

/**
 * The shipped configs through ESLint's public API, as users enable them: each one lints
 * `fixtures/demo` and reports exactly the races marked `// ❌ <rule>` there whose rule it enables
 * (`recommended` leaves out the strict-only rules, `strict` adds them, `all` reports every marker);
 * and every `eslint.config.*` snippet of the README's "Configure" section, written into a copy of
 * `fixtures/filetypes`, loads as a config file and lints that project.
 */

type ConfigName = keyof typeof plugin.configs;
const configNames = Object.keys(plugin.configs) as ConfigName[];
const demo = path.join(repositoryRoot, 'fixtures', 'demo');
const MARKER = /\/\/\s*❌\s*([a-z][a-z-]*)\s*$/;

const relative = (root: string, file: string) => path.relative(root, file).split(path.sep).join('/');

/** `file:line rule` for every `// ❌ <rule>` marker of the demo sources. */
function demoMarkers(): string[] {
  const markers: string[] = [];
  for (const file of fs.readdirSync(path.join(demo, 'src'), { recursive: true, encoding: 'utf8' }).sort()) {
    if (!file.endsWith('.ts')) continue;
    fs.readFileSync(path.join(demo, 'src', file), 'utf8')
      .split('\n')
      .forEach((text, index) => {
        const marker = MARKER.exec(text);
        if (marker) markers.push(`src/${file.split(path.sep).join('/')}:${index + 1} async-race/${marker[1]}`);
      });
  }
  return markers;
}

const enabledRules = (name: ConfigName) => Object.keys(plugin.configs[name].rules ?? {});
const ruleOf = (key: string) => key.slice(key.lastIndexOf(' ') + 1);
const strictOnly = Object.keys(plugin.rules)
  .filter((rule) => plugin.rules[rule].meta.docs?.recommended === 'strict')
  .map((rule) => `async-race/${rule}`);

describe('fixtures/demo markers', () => {
  it('mark races of a recommended rule and of a strict-only rule, so each config has something to include and leave out', () => {
    const rules = new Set(demoMarkers().map(ruleOf));
    expect(enabledRules('recommended').some((rule) => rules.has(rule))).toBe(true);
    expect(strictOnly.some((rule) => rules.has(rule))).toBe(true);
  });
});

describe.each(eslintMajors)('with %s', (_major, ESLintClass) => {
  describe.each(configNames)('configs.%s', (name) => {
    let reported: string[];
    beforeAll(async () => {
      const eslint = new ESLintClass({ cwd: demo, overrideConfigFile: true, overrideConfig: [typedLanguageOptions(demo), pluginConfig(name)] });
      const results = await eslint.lintFiles(['src']);
      reported = results.flatMap((result) =>
        result.messages.map((message) => `${relative(demo, result.filePath)}:${message.line} ${message.ruleId ?? `fatal: ${message.message}`}`),
      );
    });

    it('reports exactly the marked races of the rules it enables', () => {
      const expected = demoMarkers().filter((marker) => enabledRules(name).includes(ruleOf(marker)));
      expect(expected.length).toBeGreaterThan(0);
      expect(reported.sort()).toEqual(expected.sort());
    });

    it(name === 'recommended' ? 'reports nothing for the strict-only rules' : 'reports for the strict-only rules', () => {
      const strictReports = reported.filter((key) => strictOnly.includes(ruleOf(key)));
      if (name === 'recommended') expect(strictReports).toEqual([]);
      else expect(strictReports.length).toBeGreaterThan(0);
    });
  });
});

interface Snippet {
  /** The config file the README names above the block. */
  file: string;
  /** 1-based line of the opening fence in README.md. */
  line: number;
  code: string;
}

/** The `eslint.config.*` blocks of the README's "Configure" section, each with the file name written above it. */
function configureSnippets(): Snippet[] {
  const lines = fs.readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf('## Configure');
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const snippets: Snippet[] = [];
  let file: string | undefined;
  for (let index = start; index < end; index++) {
    const named = /^`(eslint\.config\.[cm]?js)`:$/.exec(lines[index]);
    if (named) file = named[1];
    if (lines[index] === '```js' && file) {
      const close = lines.indexOf('```', index + 1);
      snippets.push({ file, line: index + 1, code: `${lines.slice(index + 1, close).join('\n')}\n` });
      file = undefined;
      index = close;
    }
  }
  return snippets;
}

const snippets = configureSnippets();
const filetypes = path.join(repositoryRoot, 'fixtures', 'filetypes');
const scratch = path.join(repositoryRoot, '.tmp');

describe('the README "Configure" snippets', () => {
  it('are found: an ES module and a CommonJS config file at least', () => {
    expect(snippets.map((snippet) => snippet.file)).toEqual(expect.arrayContaining(['eslint.config.mjs', 'eslint.config.cjs']));
  });

  const projects: string[] = [];
  afterAll(() => {
    for (const project of projects) fs.rmSync(project, { recursive: true, force: true });
  });

  it.each(snippets)('$file at README.md line $line loads and lints a project', async (snippet) => {
    // A user's project: the file-types fixture, the snippet as its config file, and the plugin
    // installed under node_modules (a link to this package, resolved through its `exports`).
    fs.mkdirSync(scratch, { recursive: true });
    const project = fs.mkdtempSync(path.join(scratch, 'readme-config-'));
    projects.push(project);
    fs.cpSync(filetypes, project, { recursive: true });
    fs.mkdirSync(path.join(project, 'node_modules'));
    fs.symlinkSync(repositoryRoot, path.join(project, 'node_modules', 'eslint-plugin-async-race'), 'junction');
    fs.writeFileSync(path.join(project, snippet.file), snippet.code);

    const eslint = new ESLint({ cwd: project });
    const results = await eslint.lintFiles(['.']);
    const configName = /asyncRace\.configs\.(\w+)/.exec(snippet.code)?.[1] as ConfigName;
    const pluginRules = async (file: string) =>
      Object.entries(((await eslint.calculateConfigForFile(path.join(project, file))) as { rules?: Record<string, unknown> }).rules ?? {})
        .filter(([rule]) => rule.startsWith('async-race/'))
        .map(([rule]) => rule);

    // The snippet enables its config's rules on TypeScript files, and where it enables them, every
    // racy file is reported and no correct file is.
    expect((await pluginRules('ts/racy.ts')).sort()).toEqual(enabledRules(configName).sort());
    const expected: string[] = [];
    for (const result of results) {
      const file = relative(project, result.filePath);
      if (/\/racy\.\w+$/.test(file) && (await pluginRules(file)).includes('async-race/no-lost-update')) {
        expected.push(`${file} async-race/no-lost-update`);
      }
    }
    const reported = results.flatMap((result) =>
      result.messages
        .filter((message) => message.fatal === true || message.ruleId?.startsWith('async-race/'))
        .map((message) => `${relative(project, result.filePath)} ${message.ruleId ?? `fatal: ${message.message}`}`),
    );
    expect(expected).toEqual(expect.arrayContaining(['ts/racy.ts', 'tsx/racy.tsx', 'mts/racy.mts', 'cts/racy.cts'].map((file) => `${file} async-race/no-lost-update`)));
    expect(reported.sort()).toEqual(expected.sort());
  });
});
