// One measured lint run, in its own process (typescript-eslint keeps its programs per process, so
// runs that shared one would flatter whichever ran second). Prints one JSON line on stdout.
// Usage: node scripts/bench/lint-run.mjs <configuration> <project dir> [file]
//   lints <dir>/src/**/*.ts, or the one file given (relative to <dir>)
//   configuration: floor | one-rule | no-floating-promises | require-atomic-updates | recommended | all
//   --warm <file>: also report that file's rule time once the rules are warm (see main)
//   --plain-contexts: ESLint's rule contexts without their per-file prototype (a diagnostic, see plainRuleContexts)
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as perfConstants, performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** How long the first `loadPlugin()` of this process took: reading and compiling the plugin's code. */
let pluginLoadMs;

/** The built plugin, loaded as users load it. */
export function loadPlugin() {
  const start = performance.now();
  const plugin = createRequire(import.meta.url)(path.join(root, 'dist', 'src', 'index.js'));
  pluginLoadMs ??= performance.now() - start;
  return plugin;
}

/** The rules each configuration turns on, on top of typed parsing (`floor` turns on none). */
export function configuration(name) {
  switch (name) {
    case 'floor':
      return [];
    case 'one-rule':
      // A rule that does nothing: what ESLint itself adds (its traversal, code paths, rule contexts)
      // as soon as any rule is on, whatever the rule.
      return [{ plugins: { bench: { rules: { nothing: { meta: { schema: [] }, create: () => ({}) } } } }, rules: { 'bench/nothing': 'error' } }];
    case 'no-floating-promises':
      return [{ plugins: { '@typescript-eslint': tseslint.plugin }, rules: { '@typescript-eslint/no-floating-promises': 'error' } }];
    case 'require-atomic-updates':
      return [{ rules: { 'require-atomic-updates': 'error' } }];
    case 'recommended':
    case 'all':
      return [loadPlugin().configs[name]];
    default:
      throw new Error(`unknown configuration ${name}`);
  }
}

/**
 * `--plain-contexts`, a diagnostic of the bench (never how anyone runs ESLint). ESLint 9 and 10 make
 * each rule's context with `Object.create` of the file's context, so that file context becomes a
 * prototype, which V8 holds from a map in its old generation: as soon as any rule is on, every
 * linted file (its tree, tokens, scopes and parser maps) stays alive through the young-generation
 * collections that run while the next files are parsed, is promoted, and stays until the next full
 * collection. On mongodb that alone puts the peak RSS about 10% above the floor. This makes the
 * contexts with the same fields and methods and without that prototype, to show what the rules
 * themselves add to the peak.
 */
function plainRuleContexts() {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('eslint/package.json')), 'lib', 'linter', 'file-context.js');
  const { FileContext } = require(file);
  FileContext.prototype.extend = function extend(extension) {
    const { cwd, filename, physicalFilename, sourceCode, languageOptions, settings } = this;
    const fields = { cwd, filename, physicalFilename, sourceCode, languageOptions, settings };
    return Object.freeze(Object.assign(Object.create(FileContext.prototype), fields, extension));
  };
}

/** An ESLint instance that lints `dir`'s TypeScript with type information from the project service. */
export function createESLint(dir, name, options = {}) {
  return new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        // The corpora carry their authors' eslint-disable comments for rules that are not loaded here.
        linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: dir } },
      },
      ...configuration(name),
    ],
    ...options,
  });
}

/**
 * Lints the whole project in one call; if a rule throws, lints file by file to name every file it
 * throws on, so that one crash does not hide the reports (and crashes) of the other files.
 */
async function lintCounting(eslint, files, single) {
  try {
    return { results: await eslint.lintFiles(files), crashes: [] };
  } catch (error) {
    if (single) throw error;
    const results = [];
    const crashes = [];
    for (const file of sourceFiles()) {
      try {
        results.push(...(await eslint.lintFiles([file])));
      } catch (error) {
        crashes.push({ file, message: String(error instanceof Error ? error.message : error).split('\n')[0] });
      }
    }
    return { results, crashes };
  }
}

/** The TypeScript files under `src/` (listed only after a crash). */
function sourceFiles() {
  return fs
    .readdirSync('src', { recursive: true })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join('src', file))
    .sort();
}

/** How many of the last warm lints the least rule time is taken of (see --warm). */
const WARM_SAMPLES = 20;

/** The last run's ESLint instance, kept reachable while the live heap is measured. */
let lastInstance;

async function main() {
  const args = process.argv.slice(2);
  // --warm <file> [--warm-seconds S]: after the run, lint that file again in this process for S seconds
  // (10 unless given; at least 20 times) and report the least rule time of the last 20 lints, and
  // how many lints there were. That is the rule time once V8's optimizing compiler has compiled the
  // rules' code, and without a garbage collection or a timer tick falling in it: the scaling
  // measurement is of per-statement growth, not of V8's warm-up, which the cold start covers. A small
  // file needs the time: code that runs once or twice per file (planning a fix) is still unoptimized
  // after 300 lints of the 99-statement module file (node --trace-opt), and optimized after 1,200
  // (about 8 s); until then its rule time is up to twice the warm one. A large file's own lint calls
  // that code often enough. The least of the last 20, not of all: every size takes its least of
  // as many lints, or the small files, linted a thousand times, would get a lower least by chance.
  // Twenty, not six: on this shared machine the least of six lints of the 99-statement module file,
  // warm, fell anywhere between 0.32 and 0.49 ms (10th to 90th percentile), of twenty 0.30–0.44 ms.
  const warmIndex = args.indexOf('--warm');
  const warmFile = warmIndex >= 0 ? args.splice(warmIndex, 2)[1] : undefined;
  const secondsIndex = args.indexOf('--warm-seconds');
  const warmSeconds = secondsIndex >= 0 ? Number(args.splice(secondsIndex, 2)[1]) : 10;
  const plainIndex = args.indexOf('--plain-contexts');
  if (plainIndex >= 0) {
    args.splice(plainIndex, 1);
    plainRuleContexts();
  }
  const [name, dir, file] = args;
  process.chdir(dir);
  // Full (mark-compact) collections V8 ran during the lint: in a run this short it runs very few, so
  // the peak RSS is mostly garbage that was never collected, and moves with when those few fall.
  let majorGcs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  const eslint = createESLint(dir, name, { stats: true });
  const { results, crashes } = await lintCounting(eslint, [file ?? 'src/**/*.ts'], file !== undefined);
  const ms = performance.now() - start;
  let warmRuleMs;
  let warmLints = 0;
  if (warmFile) {
    const warmStart = performance.now();
    const lastTimes = [];
    for (warmLints = 0; warmLints < WARM_SAMPLES || performance.now() - warmStart < warmSeconds * 1000; warmLints++) {
      const [again] = await eslint.lintFiles([warmFile]);
      const runMs = (again.stats?.times.passes ?? []).reduce(
        (sum, pass) => sum + Object.values(pass.rules ?? {}).reduce((ruleSum, { total }) => ruleSum + total, 0),
        0,
      );
      lastTimes.push(runMs);
      if (lastTimes.length > WARM_SAMPLES) lastTimes.shift();
    }
    warmRuleMs = Math.min(...lastTimes);
  }

  const ruleMs = {};
  /** Per file: the time of all rules together. */
  const fileRuleMs = {};
  let parseMs = 0;
  for (const result of results) {
    const linted = path.relative(dir, result.filePath);
    for (const pass of result.stats?.times.passes ?? []) {
      parseMs += pass.parse?.total ?? 0;
      for (const [ruleId, { total }] of Object.entries(pass.rules ?? {})) {
        ruleMs[ruleId] = (ruleMs[ruleId] ?? 0) + total;
        fileRuleMs[linted] = (fileRuleMs[linted] ?? 0) + total;
      }
    }
  }
  const reports = [];
  const fatal = [];
  for (const result of results) {
    const file = path.relative(dir, result.filePath);
    const lines = result.source?.split('\n') ?? fs.readFileSync(result.filePath, 'utf8').split('\n');
    for (const message of result.messages) {
      if (message.fatal) fatal.push({ file, line: message.line, message: message.message });
      else if (message.ruleId)
        reports.push({
          file,
          line: message.line,
          column: message.column,
          ruleId: message.ruleId,
          message: message.message,
          source: lines[message.line - 1]?.trim() ?? '',
          // An autofix or a suggestion comes with the report.
          fixable: Boolean(message.fix) || (message.suggestions?.length ?? 0) > 0,
          autofix: Boolean(message.fix),
        });
    }
  }
  // Read before the collection below, which must not count.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  gcObserver.disconnect();
  // What stays alive once the lint is over, with the ESLint instance (and so the project service's
  // programs and every per-program cache of the rules) still reachable: the memory a long-lived
  // process (an editor's ESLint server) keeps. Needs --expose-gc, which the bench passes.
  let liveHeapMb;
  lastInstance = eslint;
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    liveHeapMb = process.memoryUsage().heapUsed / 2 ** 20;
  }
  const out = {
    configuration: name,
    files: results.length,
    ms,
    parseMs,
    ruleMs,
    fileRuleMs,
    warmRuleMs,
    warmLints,
    pluginLoadMs,
    reports,
    crashes,
    fatal,
    // maxRSS: the peak resident set size of this process, in kilobytes.
    peakRssMb,
    majorGcs,
    liveHeapMb,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
