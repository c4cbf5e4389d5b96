import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { builtEntry, createUserProject, racyCounter, removeTempDirs, repoRoot, run } from './temp-project';

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
  // Every rule of the plugin, with type information as the README configures it: the project service
  // finds the demo's tsconfig.json; the formatter is resolved from the working directory, as by the CLI.
  const eslint = new ESLint({
    cwd: demoDir,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: demoDir } } },
      plugin.configs.all,
    ],
  });
  results = await eslint.lintFiles(['src/**/*.ts']);
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

interface Workflow {
  jobs: Record<string, { permissions?: Record<string, string>; steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }> }>;
}

/**
 * The GitHub Actions example: its lint commands run, as the runner's default `bash -e` runs them, in
 * a user project after `npm ci`.
 */
describe('the GitHub Actions example (examples/github-actions/lint.yml)', { timeout: 120_000 }, () => {
  const workflow = parseYaml(fs.readFileSync(path.join(repoRoot, 'examples/github-actions/lint.yml'), 'utf8')) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => ({ job, ...step })));
  const lintStep = steps.find((step) => step.run?.startsWith('npx eslint . --max-warnings=0'));
  const sarifStep = steps.find((step) => step.run?.includes('--format @microsoft/eslint-formatter-sarif'));
  const uploadStep = steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@'));
  const bash = (dir: string, command = '') => run('bash', ['-e', '-c', command], { cwd: dir });

  afterAll(removeTempDirs);

  it('uploads the SARIF file its lint step writes, from a job allowed to write security events', () => {
    const written = /--output-file (\S+)/.exec(sarifStep?.run ?? '');
    expect(uploadStep?.with?.sarif_file).toBe(written?.[1]);
    expect(uploadStep?.job).toBe(sarifStep?.job);
    expect(uploadStep?.job.permissions?.['security-events']).toBe('write');
  });

  it('fails the lint job on a race (ESLint exits 1)', () => {
    const dir = createUserProject('ci-lint', { 'src/counter.ts': racyCounter.code });
    const result = bash(dir, lintStep?.run);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('async-race/no-lost-update');
  });

  it('writes the SARIF log of a race and lets the job go on to upload it', () => {
    const dir = createUserProject('ci-sarif', { 'src/counter.ts': racyCounter.code });
    const result = bash(dir, sarifStep?.run);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const log = JSON.parse(fs.readFileSync(path.join(dir, 'eslint.sarif'), 'utf8')) as SarifLog;
    expect(
      log.runs[0].results.map((result) => {
        const [{ physicalLocation: location }] = result.locations;
        return [result.ruleId, location.artifactLocation.uri, location.region.startLine, location.region.startColumn];
      }),
    ).toEqual([[racyCounter.report.ruleId, pathToFileURL(path.join(dir, 'src/counter.ts')).href, racyCounter.report.line, racyCounter.report.column]]);
  });

  it('fails the SARIF job when ESLint itself fails (exit 2), instead of uploading an empty log', () => {
    // The plugin's configuration error: no type information for the file.
    const dir = createUserProject('ci-broken', {
      'src/counter.ts': racyCounter.code,
      'eslint.config.mjs': `import tseslint from 'typescript-eslint';
import asyncRace from ${JSON.stringify(pathToFileURL(builtEntry).href)};

export default [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, asyncRace.configs.recommended];
`,
    });
    const [eslintCommand] = (sarifStep?.run ?? '').split(' || ');
    expect(bash(dir, eslintCommand).status).toBe(2);
    // The step's `[ $? -eq 1 ]` then fails, and with it the job.
    const result = bash(dir, sarifStep?.run);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('async-race/no-lost-update needs type information');
  });
});
