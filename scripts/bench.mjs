// What the plugin costs and what it reports on code nobody wrote for it. Every lint runs in a fresh
// child process (scripts/bench/lint-run.mjs: ESLint's Node API with `stats: true`), because
// typescript-eslint keeps its programs per process and runs sharing one would flatter the later ones.
//
// 1. Corpora: mongodb and matrix-js-sdk (their published src/, installed by npm into bench/.cache)
//    and a synthetic project, each linted with typed linting (projectService) in five configurations:
//      floor                   typed parsing, no rules
//      no-floating-promises    typescript-eslint's, alone: the cost of a well-optimized type-aware rule
//      require-atomic-updates  ESLint core's, alone: the rule users would pick instead
//      recommended, all        the plugin's configs (rule names from the built plugin at run time)
//    Wall time and peak RSS (median of --runs), rule time from ESLint's stats, reports per rule,
//    crashes. Every report of the plugin and of require-atomic-updates goes to bench/results/.
//    The peak RSS of floor, one-rule and all also with ESLint's rule contexts made without their
//    per-file prototype (a diagnostic: lint-run.mjs --plain-contexts).
// 2. Scaling: generated files of N statements; rule time per statement must stay flat.
// 3. Cold start: one file of fixtures/demo linted by a fresh process, with the plugin and without it
//    (one rule that does nothing, and no rules at all).
//
// Usage: npm run bench [-- --runs 3 --quick --corpora mongodb,matrix-js-sdk,synthetic --skip scaling,cold]
//   --quick: one run per configuration, smaller scaling sizes, five cold starts (else at least 20).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ESLint } from 'eslint';
import ts from 'typescript';

import { cacheDir, CORPORA, describeProject, installCorpora, prepareCorpus } from './bench/corpora.mjs';
import { generateProject, generateScalingProject, SCALING } from './bench/synthetic.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runner = path.join(root, 'scripts', 'bench', 'lint-run.mjs');
const resultsDir = path.join(root, 'bench', 'results');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    corpora: { type: 'string', default: 'mongodb,matrix-js-sdk,synthetic' },
    skip: { type: 'string', default: '' },
    files: { type: 'string', default: '200' },
    lines: { type: 'string', default: '150' },
  },
});
const runs = Number(args.runs ?? (args.quick ? 1 : 3));
const skip = new Set(args.skip.split(',').filter(Boolean));
const CONFIGURATIONS = ['floor', 'one-rule', 'no-floating-promises', 'require-atomic-updates', 'recommended', 'all'];

// --- helpers ------------------------------------------------------------------------------------------

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const isPluginRule = (ruleId) => ruleId.startsWith('async-race/');

const summary = [];
function print(line = '') {
  console.log(line);
  summary.push(line);
}
const row = (label, cells, width = 16) => print(label.padEnd(30) + cells.map((c) => String(c).padStart(width)).join(''));

/** One lint in a fresh process; its wall time is measured from outside, spawn to exit. */
function lintInChild(configuration, dir, file, warmFile, flags = []) {
  const start = performance.now();
  const child = spawnSync(process.execPath, ['--expose-gc', runner, configuration, dir, ...(file ? [file] : []), ...(warmFile ? ['--warm', warmFile] : []), ...flags], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const wallMs = performance.now() - start;
  if (child.status !== 0) throw new Error(`${configuration} on ${dir} failed:\n${child.stderr}`);
  return { ...JSON.parse(child.stdout.trim().split('\n').at(-1)), wallMs };
}

// --- 1. corpora ------------------------------------------------------------------------------------------

function measureCorpus(name, dir) {
  const project = describeProject(dir);
  print(`\n## ${name}: ${fmt(project.files)} files, ${fmt(project.lines)} lines, ${fmt(project.typeErrors)} TypeScript errors`);
  const byConfiguration = Object.fromEntries(CONFIGURATIONS.map((c) => [c, []]));
  // The peak memory again with ESLint's rule contexts made without their per-file prototype (see
  // plainRuleContexts in scripts/bench/lint-run.mjs): what the rules themselves add to it.
  const PLAIN = ['floor', 'one-rule', 'all'];
  const plain = Object.fromEntries(PLAIN.map((c) => [c, []]));
  // Round robin, so that a slow moment of the shared machine does not fall on one configuration.
  for (let run = 0; run < runs; run++) {
    for (const configuration of CONFIGURATIONS) byConfiguration[configuration].push(lintInChild(configuration, dir));
    for (const configuration of PLAIN) plain[configuration].push(lintInChild(configuration, dir, undefined, undefined, ['--plain-contexts']));
  }
  const stat = (configuration, pick) => median(byConfiguration[configuration].map(pick));
  const ruleTime = (configuration, filter) =>
    stat(configuration, (r) => Object.entries(r.ruleMs).filter(([id]) => filter(id)).reduce((sum, [, ms]) => sum + ms, 0));

  print(`median of ${runs} run${runs === 1 ? '' : 's'}; wall = process spawn to exit; rule time from ESLint stats`);
  row('', ['wall (ms)', 'peak RSS (MB)', 'live heap (MB)', 'rule time (ms)', 'reports', 'crashes']);
  for (const configuration of CONFIGURATIONS) {
    const last = byConfiguration[configuration].at(-1);
    row(configuration, [
      fmt(stat(configuration, (r) => r.wallMs)),
      fmt(stat(configuration, (r) => r.peakRssMb)),
      fmt(stat(configuration, (r) => r.liveHeapMb)),
      fmt(ruleTime(configuration, () => true)),
      fmt(last.reports.length),
      fmt(Math.max(...byConfiguration[configuration].map((r) => r.crashes.length + r.fatal.length))),
    ]);
  }
  const all = byConfiguration.all.at(-1);
  print('per rule (configuration `all`):');
  for (const ruleId of Object.keys(all.ruleMs).sort()) {
    const reports = all.reports.filter((r) => r.ruleId === ruleId).length;
    print(`  ${ruleId.padEnd(40)}${`${fmt(ruleTime('all', (id) => id === ruleId))} ms`.padStart(12)}${`${fmt(reports)} reports`.padStart(14)}`);
  }
  const pluginMs = ruleTime('all', isPluginRule);
  const nfpMs = ruleTime('no-floating-promises', (id) => id === '@typescript-eslint/no-floating-promises');
  const wallAll = stat('all', (r) => r.wallMs);
  const peak = (r) => r.peakRssMb;
  /** How far the median of `pick` in configuration `a` is above that in `b`, in percent. */
  const percentAbove = (pick, a, b) => fmt(((stat(a, pick) - stat(b, pick)) / stat(b, pick)) * 100, 1);
  const crashes = CONFIGURATIONS.flatMap((c) => byConfiguration[c].flatMap((r) => [...r.crashes, ...r.fatal]));
  const verdict = (ok) => (ok ? 'ok' : 'MISSED');
  print(`plugin rule time ${fmt(pluginMs)} ms = ${fmt((pluginMs / wallAll) * 100, 1)}% of the typed-lint wall time (target ≤ 5%: ${verdict(pluginMs <= wallAll * 0.05)})`);
  print(`plugin / no-floating-promises rule time = ${fmt(pluginMs / nfpMs, 2)} (target ≤ 1: ${verdict(pluginMs <= nfpMs)})`);
  print(`peak RSS with all rules ${percentAbove(peak, 'all', 'floor')}% above the no-rules floor (target ≤ 10%: ${verdict(stat('all', peak) <= stat('floor', peak) * 1.1)})`);
  print(`  of which ESLint itself, with one rule that does nothing: ${percentAbove(peak, 'one-rule', 'floor')}%; the plugin's own: ${percentAbove(peak, 'all', 'one-rule')}% above that`);
  const plainPeak = (configuration) => median(plain[configuration].map(peak));
  const plainAbove = (configuration) => fmt(((plainPeak(configuration) - plainPeak('floor')) / plainPeak('floor')) * 100, 1);
  print(
    `  with ESLint's rule contexts made without the per-file prototype that keeps every file alive through V8's young-generation collections ` +
      `once any rule is on (lint-run.mjs --plain-contexts, a diagnostic): peak RSS no rules ${fmt(plainPeak('floor'))} MB, ` +
      `one rule that does nothing ${fmt(plainPeak('one-rule'))} MB (${plainAbove('one-rule')}%), all rules ${fmt(plainPeak('all'))} MB (${plainAbove('all')}% above no rules; ` +
      `within 10%: ${plainPeak('all') <= plainPeak('floor') * 1.1 ? 'yes' : 'no'})`,
  );
  // Peak RSS includes garbage V8 had not collected yet: a run this short gets very few full
  // collections, so where they fall moves the peak by tens of megabytes. The heap that stays alive
  // after a full collection at the end is what the rules keep (their per-program caches).
  const live = (r) => r.liveHeapMb;
  print(
    `live heap after a full collection at the end: all rules ${percentAbove(live, 'all', 'floor')}% above the floor ` +
      `(one rule that does nothing: ${percentAbove(live, 'one-rule', 'floor')}%; the plugin's own: ${percentAbove(live, 'all', 'one-rule')}% above that)`,
  );
  print(
    `full collections during the lint (median): ${['floor', 'one-rule', 'all'].map((c) => `${c} ${fmt(stat(c, (r) => r.majorGcs))}`).join(', ')}; ` +
      'the peak RSS counts the garbage left between them',
  );
  print(`crashes and fatal errors: ${crashes.length}${crashes.map((c) => `\n  ${c.file}: ${c.message}`).join('')}`);
  writeReports(name, all.reports, byConfiguration['require-atomic-updates'].at(-1).reports);
  if (name !== 'synthetic') checkFixes(dir, all.reports.filter((r) => isPluginRule(r.ruleId)));
}

/** `eslint --fix` on a copy of the corpus: the fixed code must type-check as before, and its wraps must not be reported again. */
function checkFixes(dir, reports) {
  const child = spawnSync(process.execPath, [path.join(root, 'scripts', 'bench', 'fix-check.mjs'), dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) {
    print(`--fix check failed:\n${child.stderr}`);
    return;
  }
  const result = JSON.parse(child.stdout);
  const withoutAutofix = reports.filter((r) => !r.autofix).length;
  print(
    `--fix on a copy (${path.relative(root, `${dir}-fixed`)}): ${fmt(reports.length - withoutAutofix)} of the plugin's ${fmt(reports.length)} reports ` +
      `had an autofix; it changed ${fmt(result.fixedFiles.length)} files`,
  );
  print(
    `  TypeScript errors: ${fmt(result.errorsBefore)} before, ${fmt(result.errorsAfter)} after; new: ` +
      (result.newErrors.length === 0 ? 'none' : result.newErrors.map((error) => `\n    ${error}`).join('')),
  );
  print(`  linted again: ${fmt(result.left.length)} reports left (reports without an autofix before: ${fmt(withoutAutofix)})`);
  for (const report of result.left) print(`    ${report.file}:${report.line} ${report.ruleId}: ${report.message}`);
}

/** Every report of the plugin and of require-atomic-updates, for a person to review. */
function writeReports(name, plugin, core) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const section = (title, reports) =>
    [
      `## ${title} (${reports.length})`,
      '',
      ...reports.flatMap((r) => [`- \`${r.file}:${r.line}:${r.column}\` ${r.ruleId}: ${r.message}`, `  \`${r.source.replaceAll('`', "'")}\``]),
      '',
    ].join('\n');
  const text = [
    `# Reports on ${name}`,
    '',
    `Written by \`npm run bench\`; the review of the plugin's reports is in [review.md](review.md).`,
    '',
    section('eslint-plugin-async-race, configuration `all`', plugin.filter((r) => isPluginRule(r.ruleId))),
    section('ESLint core require-atomic-updates', core),
  ].join('\n');
  fs.writeFileSync(path.join(resultsDir, `reports-${name}.md`), text);
  print(`reports written to ${path.relative(root, path.join(resultsDir, `reports-${name}.md`))}`);
}

// --- 2. scaling ---------------------------------------------------------------------------------------------

function measureScaling() {
  // Long enough for the rules' code to be compiled by V8's optimizing compiler when the file is small
  // (see --warm in lint-run.mjs).
  const warmSeconds = args.quick ? 3 : 10;
  const sizes = args.quick ? [100, 1000, 5000] : [100, 1000, 5000, 20000];
  print(`\n## Scaling: rule time of the plugin (configuration \`all\`) per statement`);
  print(`warm: the file linted again in one process for ${warmSeconds} s (at least 20 times), so that V8's optimizing compiler has compiled the rules; the least rule time of the last 20 of those lints; the ratio is taken on it;`);
  print('first: its first lint, after a small warm-up file, which adds V8 warm-up that does not grow with the file');
  print('a function with more than 500 branches gets no fix (TypeScript cannot be asked flow types that deep), so from 1,000 statements on the one long function is analysed, not fixed');
  const dir = path.join(cacheDir, 'scaling');
  for (const family of SCALING) {
    const perStatement = [];
    const cells = [];
    let previousMs = 0;
    let previousN = 1;
    for (const n of sizes) {
      // Where even linear growth from the previous size would take over a minute a run, stop: the
      // cost already grows faster than linearly, and the sizes so far show it.
      if (previousMs * (n / previousN) > 60_000) {
        cells.push(`${fmt(n)} stmts: skipped (linear growth from ${fmt(previousN)} would already take over a minute)`);
        break;
      }
      const { statements, lines } = generateScalingProject(dir, family, n);
      const times = [];
      const warmLints = [];
      const coldTimes = [];
      let reports = 0;
      let fixable = 0;
      // One run of the largest sizes: a run there takes long enough to be stable.
      for (let run = 0; run < (n > 5000 ? 1 : runs); run++) {
        const result = lintInChild('all', dir, undefined, 'src/scale.ts', ['--warm-seconds', String(warmSeconds)]);
        coldTimes.push(result.fileRuleMs['src/scale.ts'] ?? 0);
        times.push(result.warmRuleMs ?? 0);
        warmLints.push(result.warmLints);
        reports = result.reports.filter((r) => r.file === 'src/scale.ts').length;
        fixable = result.reports.filter((r) => r.file === 'src/scale.ts' && r.fixable).length;
      }
      const ms = median(times);
      previousMs = ms;
      previousN = n;
      perStatement.push(ms / statements);
      console.log(`  (${family.name}: ${fmt(statements)} statements measured)`);
      const cold = median(coldTimes);
      cells.push(
        `${fmt(statements)} stmts / ${fmt(lines)} lines: warm ${fmt(ms, ms < 10 ? 2 : 0)} ms, ${fmt((ms / statements) * 1000, 1)} µs/stmt (after ${fmt(median(warmLints))} lints); ` +
          `first ${fmt(cold)} ms, ${fmt((cold / statements) * 1000, 1)} µs/stmt; ${reports} reports, ${fixable} with a fix`,
      );
    }
    const ratio = Math.max(...perStatement) / Math.min(...perStatement);
    print(`${family.name}:`);
    for (const cell of cells) print(`  ${cell}`);
    print(`  largest / smallest time per statement = ${fmt(ratio, 2)} (target ≤ 2: ${ratio <= 2 ? 'ok' : 'MISSED'})`);
    // The ratio takes the highest and lowest figures, whichever sizes they come from. Growth with the
    // file's size (the largest size's figure over the smallest's) tells a cost that grows faster than
    // the file from a fixed cost per file, which only makes the smallest size's figure the highest.
    const growth = perStatement.at(-1) / perStatement[0];
    print(`  largest size / smallest size, time per statement = ${fmt(growth, 2)} (above 1: the cost per statement grows with the file)`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// --- 3. cold start -------------------------------------------------------------------------------------------

function measureColdStart() {
  const dir = path.join(root, 'fixtures', 'demo');
  const file = 'src/counters.ts';
  const count = args.quick ? 5 : Math.max(20, runs * 2);
  const configurations = ['floor', 'one-rule', 'all'];
  const results = Object.fromEntries(configurations.map((c) => [c, []]));
  // Interleaved, so that a slow moment of the shared machine falls on every configuration alike.
  for (let run = 0; run < count; run++) for (const configuration of configurations) results[configuration].push(lintInChild(configuration, dir, file));
  const stat = (configuration, pick) => median(results[configuration].map(pick));
  const wall = (configuration) => stat(configuration, (r) => r.wallMs);
  // From creating the ESLint instance (which loads the plugin) to the last result: without Node's
  // own start and the import of ESLint and typescript-eslint, which every configuration pays alike.
  const inProcess = (configuration) => stat(configuration, (r) => r.ms);
  const spread = (configuration) => {
    const sorted = results[configuration].map((r) => r.wallMs).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length * 3) / 4)] - sorted[Math.floor(sorted.length / 4)];
  };
  const difference = (a, b) => `${fmt(wall(a) - wall(b))} ms (in process ${fmt(inProcess(a) - inProcess(b))} ms)`;
  print(`\n## Cold start: one file (fixtures/demo/${file}) in a fresh process, median of ${count} rounds of ${configurations.join(', ')}`);
  print('floor: typed parsing and no rules at all, which no real configuration is');
  print('one-rule: typed parsing and one rule that does nothing (ESLint then loads ajv to check rule options): the same run without the plugin for any configuration with rules');
  print("in process: from creating the ESLint instance (which loads the plugin) to the last result, without Node's start");
  row('', ['wall (ms)', 'wall IQR (ms)', 'in process (ms)']);
  for (const configuration of configurations) row(configuration, [fmt(wall(configuration)), fmt(spread(configuration)), fmt(inProcess(configuration))]);
  const added = wall('all') - wall('one-rule');
  print(`the plugin (configs.all) adds ${difference('all', 'one-rule')} over one-rule (target ≤ 50 ms: ${added <= 50 ? 'ok' : 'MISSED'})`);
  print(`over floor: ${difference('all', 'floor')}, of which ESLint's own cost of any rule (one-rule − floor) ${difference('one-rule', 'floor')}`);
  // The plugin's own parts, timed inside the process: small numbers, so not lost in the machine's noise.
  const pluginRuleMs = stat('all', (r) => Object.entries(r.ruleMs).filter(([id]) => isPluginRule(id)).reduce((sum, [, ms]) => sum + ms, 0));
  print(`measured inside the \`all\` process: loading the plugin ${fmt(stat('all', (r) => r.pluginLoadMs), 1)} ms, its rules on the file ${fmt(pluginRuleMs, 1)} ms (ESLint's stats)`);
}

// --- driver -------------------------------------------------------------------------------------------------

function main() {
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'index.js'))) throw new Error('dist/src/index.js is missing: run `npm run build` first');
  print(`# npm run bench (${new Date().toISOString().slice(0, 10)})`);
  print(`Node ${process.version}, ESLint ${ESLint.version}, TypeScript ${ts.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
  const corpora = args.corpora.split(',').filter(Boolean);
  const real = CORPORA.filter((corpus) => corpora.includes(corpus.name));
  if (real.length > 0) installCorpora((line) => console.log(line));
  for (const corpus of real) measureCorpus(corpus.name, prepareCorpus(corpus));
  if (corpora.includes('synthetic')) {
    const dir = path.join(cacheDir, 'corpora', 'synthetic');
    generateProject(dir, Number(args.files), Number(args.lines));
    measureCorpus('synthetic', dir);
  }
  if (!skip.has('scaling')) measureScaling();
  if (!skip.has('cold')) measureColdStart();
  fs.mkdirSync(resultsDir, { recursive: true });
  // Only a full run replaces the summary the README quotes.
  const full = !args.quick && args.runs === undefined && skip.size === 0 && args.corpora === 'mongodb,matrix-js-sdk,synthetic';
  fs.writeFileSync(path.join(resultsDir, full ? 'summary.txt' : 'summary-partial.txt'), `${summary.join('\n')}\n`);
}

main();
