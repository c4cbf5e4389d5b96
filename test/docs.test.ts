import * as fs from 'node:fs';
import * as path from 'node:path';

import tsParser from '@typescript-eslint/parser';
import { type ESLint, Linter } from 'eslint';
import { describe, expect, it } from 'vitest';

import { rulesFixture } from './rule-tester';

/**
 * The rule docs are checked against the built plugin: every ```ts block under a heading marked ❌
 * must be reported by its rule, every one under a heading marked ✅ must lint clean, and the
 * before/after example of the fix must be exactly what `--fix` produces.
 */

interface RuleMeta {
  fixable?: string;
  hasSuggestions?: boolean;
  schema: unknown[];
}

// The built plugin, as users load it (the suite runs after `npm run build`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require('../dist/src/index.js') as ESLint.Plugin & { rules: Record<string, { meta: RuleMeta }> };

const root = path.resolve(__dirname, '..');
const docsDir = path.join(root, 'docs', 'rules');
const ruleNames = fs
  .readdirSync(path.join(root, 'rules'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
const docFiles = fs
  .readdirSync(docsDir)
  .filter((file) => file.endsWith('.md'))
  .sort();

type Kind = 'incorrect' | 'correct';

interface CodeBlock {
  /** The text of the nearest heading above the block. */
  heading: string;
  /** The block's fence language (`ts`, `js`, `json`, …). */
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

/** Splits a Markdown file into its fenced code blocks, each with the heading it sits under. */
function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = '';
  let open: { lang: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((text, index) => {
    if (open) {
      if (/^```\s*$/.test(text)) {
        blocks.push({ heading, lang: open.lang, line: open.line, code: `${open.lines.join('\n')}\n` });
        open = undefined;
      } else {
        open.lines.push(text);
      }
      return;
    }
    const fence = /^```(\S*)\s*$/.exec(text);
    if (fence) {
      open = { lang: fence[1], line: index + 1, lines: [] };
      return;
    }
    const title = /^#{1,6}\s+(.*?)\s*$/.exec(text);
    if (title) heading = title[1];
  });
  if (open) throw new Error(`unclosed code block at line ${open.line}`);
  return blocks;
}

/** The docs mark examples with a heading: `### ❌ Incorrect` and `### ✅ Correct`. */
function kindOf(heading: string): Kind | undefined {
  if (heading.includes('❌')) return 'incorrect';
  if (heading.includes('✅')) return 'correct';
  return undefined;
}

interface Example {
  kind: Kind;
  heading: string;
  /** 1-based position among the ts blocks under the same heading. */
  index: number;
  line: number;
  code: string;
}

function examples(blocks: readonly CodeBlock[]): Example[] {
  const counts = new Map<string, number>();
  return blocks.flatMap((block) => {
    const kind = kindOf(block.heading);
    if (!kind || block.lang !== 'ts') return [];
    const index = (counts.get(block.heading) ?? 0) + 1;
    counts.set(block.heading, index);
    return [{ kind, heading: block.heading, index, line: block.line, code: block.code }];
  });
}

const linter = new Linter({ configType: 'flat', cwd: root });
const filename = path.join(rulesFixture, 'file.ts');

function configFor(rule: string): Linter.Config[] {
  return [
    {
      files: ['**/*.ts'],
      languageOptions: {
        parser: tsParser,
        parserOptions: { projectService: true, tsconfigRootDir: rulesFixture },
      },
      plugins: { 'async-race': plugin },
      rules: { [`async-race/${rule}`]: 'error' },
    },
  ];
}

function lint(rule: string, code: string): Linter.LintMessage[] {
  return linter.verify(code, configFor(rule), { filename });
}

const show = (messages: readonly Linter.LintMessage[]): string[] =>
  messages.map((message) => `${message.line}:${message.column} ${message.ruleId ?? 'fatal'} ${message.message}`);

describe.each(docFiles)('docs/rules/%s', (docFile) => {
  const rule = docFile.slice(0, -'.md'.length);
  const markdown = fs.readFileSync(path.join(docsDir, docFile), 'utf8');
  const blocks = codeBlocks(markdown);
  const found = examples(blocks);

  it('documents a rule of the plugin', () => {
    expect(ruleNames).toContain(rule);
  });

  it('has at least 2 ❌ and 2 ✅ examples', () => {
    expect(found.filter((example) => example.kind === 'incorrect').length).toBeGreaterThanOrEqual(2);
    expect(found.filter((example) => example.kind === 'correct').length).toBeGreaterThanOrEqual(2);
  });

  for (const example of found) {
    it(`${example.heading} #${example.index} (line ${example.line}) ${example.kind === 'incorrect' ? 'is reported' : 'lints clean'}`, () => {
      const messages = lint(rule, example.code);
      if (example.kind === 'correct') {
        expect(show(messages)).toEqual([]);
        return;
      }
      expect(show(messages.filter((message) => message.fatal || message.ruleId !== `async-race/${rule}`))).toEqual([]);
      expect(messages.length).toBeGreaterThanOrEqual(1);
    });
  }

  it('shows the exact output of --fix in its before/after example', () => {
    const before = blocks.filter((block) => block.lang === 'ts' && /^Before `--fix`$/.test(block.heading));
    const after = blocks.filter((block) => block.lang === 'ts' && /^After `--fix`$/.test(block.heading));
    if (!plugin.rules[rule].meta.fixable) {
      // A rule without an autofix shows its suggestion instead: the first one, applied to the first report.
      const beforeSuggestion = blocks.filter((block) => block.lang === 'ts' && block.heading === 'Before the suggestion');
      const afterSuggestion = blocks.filter((block) => block.lang === 'ts' && block.heading === 'After the suggestion');
      expect([before.length, after.length, beforeSuggestion.length, afterSuggestion.length]).toEqual([0, 0, 1, 1]);
      const [first] = lint(rule, beforeSuggestion[0].code);
      const fix = first.suggestions?.[0]?.fix;
      expect(fix).toBeDefined();
      const code = beforeSuggestion[0].code;
      expect(code.slice(0, fix!.range[0]) + fix!.text + code.slice(fix!.range[1])).toBe(afterSuggestion[0].code);
      expect(show(lint(rule, afterSuggestion[0].code))).toEqual([]);
      return;
    }
    expect(before).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(show(lint(rule, before[0].code)).length).toBeGreaterThanOrEqual(1);
    const fixed = linter.verifyAndFix(before[0].code, configFor(rule), { filename });
    expect(fixed.output).toBe(after[0].code);
    expect(show(fixed.messages)).toEqual([]);
  });

  it('states that the rule is fixable and has suggestions, and documents its option schema', () => {
    const meta = plugin.rules[rule].meta;
    const header = markdown.slice(0, markdown.indexOf('<!-- end auto-generated rule header -->'));
    expect(header.includes('🔧')).toBe(meta.fixable !== undefined);
    expect(header.includes('💡')).toBe(meta.hasSuggestions === true);
    const options = blocks.filter((block) => block.heading === 'Options' && block.lang === 'json');
    if (meta.schema.length === 0) {
      expect(options).toHaveLength(0);
      expect(markdown).toContain('## Options\n\nThis rule has no options.');
      return;
    }
    expect(options).toHaveLength(1);
    expect(JSON.parse(options[0].code)).toEqual(meta.schema[0]);
  });
});

describe('README.md', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const lines = readme.split('\n');
  const headerAt = lines.findIndex((line) => line.startsWith('| Name |'));
  const cells = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim());
  const header = headerAt >= 0 ? cells(lines[headerAt]) : [];
  const rows: string[][] = [];
  for (let i = headerAt + 2; headerAt >= 0 && i < lines.length && lines[i].startsWith('|'); i++) rows.push(cells(lines[i]));

  it('lists every rule in rules/ in its rules table, each linking to its doc', () => {
    const listed = rows.map((row) => /^\[([\w-]+)\]\(docs\/rules\/([\w-]+)\.md\)$/.exec(row[0])).map((match) => {
      expect(match?.[1]).toBe(match?.[2]);
      return match?.[1];
    });
    expect([...listed].sort()).toEqual(ruleNames);
  });

  it('marks each rule fixable (🔧) and with suggestions (💡) as its meta says', () => {
    const fixColumn = header.indexOf('🔧');
    const suggestColumn = header.indexOf('💡');
    expect(fixColumn).toBeGreaterThan(0);
    expect(suggestColumn).toBeGreaterThan(0);
    for (const row of rows) {
      const name = /^\[([\w-]+)\]/.exec(row[0])?.[1] ?? '';
      const meta = plugin.rules[name].meta;
      expect({ name, fixable: row[fixColumn], suggestions: row[suggestColumn] }).toEqual({
        name,
        fixable: meta.fixable ? '✓' : '',
        suggestions: meta.hasSuggestions ? '✓' : '',
      });
    }
  });
});
