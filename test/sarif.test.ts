import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

import { builtEntry, repoRoot } from './temp-project';

/**
 * Code scanning: the demo linted with the built plugin and formatted by
 * `@microsoft/eslint-formatter-sarif`, loaded by name as `eslint -f @microsoft/eslint-formatter-sarif`
 * loads it, is a SARIF 2.1.0 log that names our rules with their documentation and points at the
 * same places as ESLint's own results.
 */

interface RuleMeta {
  docs: { url: string; description: string };
}

interface SarifLog {
  version: string;
  $schema: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Array<{ id: string; helpUri: string; shortDescription?: { text: string } }> } };
    artifacts?: Array<{ location: { uri: string } }>;
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{
        physicalLocation: {
          artifactLocation: { uri: string; index: number };
          region: { startLine: number; startColumn: number; endLine?: number; endColumn?: number };
        };
      }>;
    }>;
    invocations?: unknown[];
  }>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require(builtEntry) as ESLint.Plugin & { rules: Record<string, { meta: RuleMeta }>; configs: Record<'all', object> };
const demoDir = path.join(repoRoot, 'fixtures/demo');

let results: ESLint.LintResult[] = [];
let sarif: SarifLog;

beforeAll(async () => {
  // The demo's own setup (scripts/demo.mjs): every rule of the plugin, type information from the demo's tsconfig.
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: {
          parser: tseslint.parser,
          parserOptions: { project: path.join(demoDir, 'tsconfig.json'), tsconfigRootDir: demoDir },
        },
      },
      plugin.configs.all,
    ],
  });
  results = await eslint.lintFiles(['fixtures/demo/src/**/*.ts']);
  const formatter = await eslint.loadFormatter('@microsoft/eslint-formatter-sarif');
  const text = await formatter.format(results);
  sarif = JSON.parse(text) as SarifLog;
});

const messages = () => results.flatMap((result) => result.messages.map((message) => ({ filePath: result.filePath, ...message })));

describe('SARIF output of the demo', () => {
  it('lints the demo without crashes or parse errors, and finds races in it', () => {
    expect(messages().filter((message) => message.fatal === true || message.ruleId === null)).toEqual([]);
    expect(messages().length).toBeGreaterThan(0);
  });

  it('is a SARIF 2.1.0 log with one ESLint run and no tool notifications', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    expect(sarif.runs[0].tool.driver.name).toBe('ESLint');
    expect(sarif.runs[0].invocations).toBeUndefined();
  });

  it("describes each reported rule by its id, its description and its documentation's URL", () => {
    const reported = [...new Set(messages().map((message) => message.ruleId))].sort();
    const described = sarif.runs[0].tool.driver.rules;
    expect(described.map((rule) => rule.id).sort()).toEqual(reported);
    for (const rule of described) {
      expect(rule.id).toMatch(/^async-race\//);
      const { meta } = plugin.rules[rule.id.slice('async-race/'.length)];
      expect(rule.helpUri).toBe(meta.docs.url);
      expect(rule.shortDescription?.text).toBe(meta.docs.description);
    }
  });

  it('has one result per ESLint report, at the same file, range and message, naming its rule', () => {
    const run = sarif.runs[0];
    const fromSarif = run.results.map((result) => {
      const [{ physicalLocation: location }] = result.locations;
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(run.artifacts?.[location.artifactLocation.index].location.uri).toBe(location.artifactLocation.uri);
      return {
        uri: location.artifactLocation.uri,
        ruleId: result.ruleId,
        level: result.level,
        text: result.message.text,
        ...location.region,
      };
    });
    const fromESLint = messages().map((message) => ({
      uri: pathToFileURL(message.filePath).href,
      ruleId: message.ruleId,
      level: message.severity === 2 ? 'error' : 'warning',
      text: message.message,
      startLine: message.line,
      startColumn: message.column,
      endLine: message.endLine,
      endColumn: message.endColumn,
    }));
    expect(fromSarif).toEqual(fromESLint);
  });
});
