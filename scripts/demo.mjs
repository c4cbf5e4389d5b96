// Lints fixtures/demo with the built plugin, prints the report, checks it against the `// ❌ <rule>`
// markers in the demo sources, and shows what `--fix` would change. Never writes to the demo files:
// ESLint only writes fixes through `ESLint.outputFixes`, which this script does not call.
//
// Exit codes: 0 the reports are exactly the marked lines; 1 crash (thrown error or a fatal parse
// message); 2 the reports differ from the markers (a missed race or a false positive).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// With CI=true typescript-eslint assumes a one-shot CLI run and never refreshes its program, so the
// second pass of a fix through the API would see stale types; this script lints changed text.
process.env.TSESTREE_SINGLE_RUN = 'false';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = path.join(root, 'fixtures', 'demo');
const patterns = ['fixtures/demo/src/**/*.ts'];
const MARKER = /\/\/\s*❌\s*([a-z][a-z-]+)/u;

function loadPlugin() {
  const entry = path.join(root, 'dist', 'src', 'index.js');
  if (!fs.existsSync(entry)) {
    throw Object.assign(new Error(`${path.relative(root, entry)} is missing: run \`npm run build\` first`), { hint: true });
  }
  return createRequire(import.meta.url)(entry);
}

function createESLint(plugin, { fix = false } = {}) {
  return new ESLint({
    cwd: root,
    fix,
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
}

const plural = (n, word, suffix = 's') => `${n} ${word}${n === 1 ? '' : suffix}`;

// --- report ----------------------------------------------------------------------------------------

function fatalMessages(results) {
  return results.flatMap((result) =>
    result.messages.filter((m) => m.fatal).map((m) => `${result.filePath}:${m.line}:${m.column} ${m.message}`),
  );
}

function summary(results) {
  const messages = results.flatMap((r) => r.messages);
  const files = results.filter((r) => r.messages.length > 0).length;
  const byRule = new Map();
  for (const m of messages) byRule.set(m.ruleId, (byRule.get(m.ruleId) ?? 0) + 1);
  const parts = [...byRule].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([rule, n]) => `${n} ${rule}`);
  return `${plural(messages.length, 'problem')} in ${plural(files, 'file')}: ${parts.join(', ')}`;
}

/** Compares the reports with the `// ❌ <rule>` markers; returns one line per difference. */
function compareWithMarkers(results) {
  const key = (file, line, rule) => `${path.relative(root, file)}:${line} ${rule}`;
  const expected = new Set();
  for (const result of results) {
    fs.readFileSync(result.filePath, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        const marker = MARKER.exec(text);
        if (marker) expected.add(key(result.filePath, index + 1, `async-race/${marker[1]}`));
      });
  }
  const reported = new Set(
    results.flatMap((r) => r.messages.filter((m) => m.ruleId?.startsWith('async-race/')).map((m) => key(r.filePath, m.line, m.ruleId))),
  );
  return [
    ...[...expected].filter((k) => !reported.has(k)).map((k) => `marked but not reported: ${k}`),
    ...[...reported].filter((k) => !expected.has(k)).map((k) => `reported but not marked: ${k}`),
  ];
}

// --- what --fix would change ------------------------------------------------------------------------

/** Line-level edit script (LCS over the lines between the common prefix and suffix). */
function diffLines(a, b) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) endA--, endB--;
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const lcs = Array.from({ length: midA.length + 1 }, () => new Uint32Array(midB.length + 1));
  for (let i = midA.length - 1; i >= 0; i--) {
    for (let j = midB.length - 1; j >= 0; j--) {
      lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops = a.slice(0, start).map((line) => [' ', line]);
  let i = 0;
  let j = 0;
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) ops.push([' ', midA[i++]]), j++;
    else if (i < midA.length && (j === midB.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push(['-', midA[i++]]);
    else ops.push(['+', midB[j++]]);
  }
  return ops.concat(a.slice(endA).map((line) => [' ', line]));
}

function unifiedDiff(before, after, name, context = 3) {
  const lines = (text) => (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  const ops = diffLines(lines(before), lines(after));
  const changed = ops.flatMap(([kind], index) => (kind === ' ' ? [] : [index]));
  const out = [`--- a/${name}`, `+++ b/${name}`];
  // Group changes whose context windows touch into one hunk.
  const hunks = [];
  for (const index of changed) {
    const last = hunks.at(-1);
    if (last && index - last.end - 1 <= 2 * context) last.end = index;
    else hunks.push({ start: index, end: index });
  }
  for (const { start, end } of hunks) {
    const from = Math.max(0, start - context);
    const to = Math.min(ops.length, end + context + 1);
    const lineAt = (kind) => ops.slice(0, from).filter(([k]) => k === ' ' || k === kind).length;
    const slice = ops.slice(from, to);
    const oldCount = slice.filter(([k]) => k !== '+').length;
    const newCount = slice.filter(([k]) => k !== '-').length;
    const oldStart = lineAt('-') + (oldCount ? 1 : 0);
    const newStart = lineAt('+') + (newCount ? 1 : 0);
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...slice.map(([k, line]) => k + line));
  }
  return out.join('\n');
}

async function printFixes(plugin, results) {
  console.log('\nWhat `eslint --fix` would change:');
  if (!results.some((r) => r.fixableErrorCount + r.fixableWarningCount > 0)) {
    console.log('no autofixes');
    return;
  }
  const fixed = await createESLint(plugin, { fix: true }).lintFiles(patterns);
  const diffs = fixed
    .filter((r) => r.output !== undefined)
    .map((r) => unifiedDiff(fs.readFileSync(r.filePath, 'utf8'), r.output, path.relative(root, r.filePath)))
    .filter((diff) => diff.includes('\n@@'));
  console.log(diffs.length > 0 ? diffs.join('\n') : 'no autofixes');
}

// --- main ---------------------------------------------------------------------------------------------

async function main() {
  const plugin = loadPlugin();
  const eslint = createESLint(plugin);
  const results = await eslint.lintFiles(patterns);
  const fatal = fatalMessages(results);
  if (fatal.length > 0) {
    console.error(`The demo could not be linted:\n${fatal.join('\n')}`);
    return 1;
  }

  const formatter = await eslint.loadFormatter('stylish');
  const report = await formatter.format(results, { cwd: root, rulesMeta: eslint.getRulesMetaForResults(results) });
  process.stdout.write(report || '\n');
  console.log(summary(results));

  await printFixes(plugin, results);

  const differences = compareWithMarkers(results);
  if (differences.length > 0) {
    console.error(`\nThe reports differ from the ❌ markers in fixtures/demo:\n${differences.join('\n')}`);
    return 2;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error?.hint ? error.message : error);
    process.exitCode = 1;
  },
);
