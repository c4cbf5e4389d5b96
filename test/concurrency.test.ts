import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The rules keep no mutable state from one file to the next, so ESLint's worker threads
// (`concurrency`) and its result cache give the reports of a plain single-threaded run.
const root = path.resolve(__dirname, '..');
const project = path.join(root, 'fixtures', 'demo');
const work = path.join(root, '.tmp', 'concurrency');
const configFile = path.join(work, 'eslint.config.mjs');

/** With concurrency every ESLint option must be cloneable, so the config is a file, as users have it. */
function writeConfig(): void {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const href = (file: string) => JSON.stringify(pathToFileURL(file).href);
  fs.writeFileSync(
    configFile,
    `import tseslint from ${href(path.join(root, 'node_modules', 'typescript-eslint', 'dist', 'index.js'))};
import asyncRace from ${href(path.join(root, 'dist', 'src', 'index.js'))};
export default [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: ${JSON.stringify(project)} } },
  },
  asyncRace.configs.all,
];
`,
  );
}

interface Report {
  file: string;
  ruleId: string | null;
  line: number;
  column: number;
  message: string;
}

async function lint(options: ESLint.Options = {}): Promise<Report[]> {
  const eslint = new ESLint({ cwd: project, overrideConfigFile: configFile, ...options });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  return results
    .flatMap((result) =>
      result.messages.map((message) => ({
        file: path.relative(project, result.filePath),
        ruleId: message.ruleId,
        line: message.line,
        column: message.column,
        message: message.message,
      })),
    )
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

describe('linting with worker threads and with the cache', () => {
  let plain: Report[];

  beforeAll(async () => {
    writeConfig();
    plain = await lint();
  });

  it('has reports of both rules to compare, and no fatal errors', () => {
    const ruleIds = new Set(plain.map((report) => report.ruleId));
    expect(ruleIds).toContain('async-race/no-lost-update');
    expect(ruleIds).toContain('async-race/no-stale-check');
    expect(ruleIds).not.toContain(null);
  });

  it('gives the same reports with --concurrency=2', async () => {
    expect(await lint({ concurrency: 2 })).toEqual(plain);
  });

  it('gives the same reports with --cache, when the cache is written and when it is read', async () => {
    const cache = { cache: true, cacheLocation: path.join(work, 'eslintcache') };
    expect(await lint(cache)).toEqual(plain);
    expect(fs.existsSync(cache.cacheLocation)).toBe(true);
    expect(await lint(cache)).toEqual(plain);
  });
});
