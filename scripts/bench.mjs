// Measures what the plugin adds to a type-aware lint run. Generates a synthetic TypeScript project
// in the OS temp directory, then lints it in fresh child processes (typescript-eslint caches
// programs per process, so runs sharing a process would flatter whichever runs second):
//   baseline  typescript-eslint parser + type information + one cheap type-aware rule
//   plugin    the same plus `configs.all` of the built plugin
//   stats     the plugin run again with ESLint's `stats: true`, for the time spent in each rule
// Baseline and plugin runs alternate `--runs` times; wall times are medians.
// Prints figures only. Usage: npm run bench [-- --files 200 --lines 150 --runs 3 --keep]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '200' },
    lines: { type: 'string', default: '150' },
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    measure: { type: 'string' },
    dir: { type: 'string' },
  },
});

// --- the synthetic project ------------------------------------------------------------------------

/** Deterministic pseudo-random numbers, so that every run lints the same project. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const IO = `export interface Row {
  id: string;
  amount: number;
  updatedAt: number;
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

export async function loadRow(id: string): Promise<Row> {
  await tick();
  return { id, amount: id.length, updatedAt: Date.now() };
}

export async function saveRow(row: Row): Promise<void> {
  await tick();
  if (!row.id) throw new Error('row without id');
}

export async function price(sku: string): Promise<number> {
  await tick();
  return sku.length;
}

/** Visits per id, shared by every module that imports it. */
export const visits = new Map<string, number>();
`;

// Each block takes a unique suffix `n`; most are ordinary code, a few are races of each kind.
const BLOCKS = [
  // Plain synchronous helpers: the bulk of any real code base.
  (n) => `export interface Item${n} {
  sku: string;
  quantity: number;
  tags: readonly string[];
}

export function describe${n}(item: Item${n}): string {
  const tags = item.tags.length > 0 ? \` [\${item.tags.join(', ')}]\` : '';
  return \`\${item.quantity} × \${item.sku}\${tags}\`;
}

export function total${n}(items: readonly Item${n}[], unit: (sku: string) => number): number {
  let sum = 0;
  for (const item of items) {
    if (item.quantity <= 0) continue;
    sum += unit(item.sku) * item.quantity;
  }
  return Math.round(sum * 100) / 100;
}
`,
  // Async code on locals only.
  (n) => `export async function enrich${n}(ids: readonly string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const id of ids) {
    const row = await loadRow(id);
    if (row.amount > 0) rows.push({ ...row, amount: row.amount * 2 });
  }
  let latest = 0;
  for (const row of rows) latest = Math.max(latest, row.updatedAt);
  await Promise.all(rows.map((row) => saveRow({ ...row, updatedAt: latest })));
  return rows;
}
`,
  // Module state updated correctly: the increment does not span the await.
  (n) => `let processed${n} = 0;

export async function process${n}(id: string): Promise<number> {
  processed${n} += 1;
  const row = await loadRow(id);
  await saveRow({ ...row, amount: row.amount + processed${n} });
  return processed${n};
}
`,
  // Lost update on module state.
  (n) => `let balance${n} = 0;

export async function credit${n}(id: string): Promise<void> {
  const before = balance${n};
  const row = await loadRow(id);
  balance${n} = before + row.amount;
}
`,
  // A class with a locked section and an unlocked lost update on a field.
  (n) => `export class Wallet${n} {
  private balance = 0;
  private readonly mutex = new Mutex();

  async deposit(id: string): Promise<void> {
    await this.mutex.runExclusive(async () => {
      const row = await loadRow(id);
      this.balance = this.balance + row.amount;
      await saveRow({ ...row, amount: this.balance });
    });
  }

  async charge(sku: string): Promise<void> {
    this.balance -= await price(sku);
  }

  get current(): number {
    return this.balance;
  }
}
`,
  // Check-then-act cache fill, beside an in-flight memoized one.
  (n) => `const rows${n} = new Map<string, Row>();
const pending${n} = new Map<string, Promise<Row>>();

export async function cached${n}(id: string): Promise<Row | undefined> {
  if (!rows${n}.has(id)) {
    rows${n}.set(id, await loadRow(id));
  }
  return rows${n}.get(id);
}

export function shared${n}(id: string): Promise<Row> {
  let row = pending${n}.get(id);
  if (!row) {
    row = loadRow(id);
    pending${n}.set(id, row);
  }
  return row;
}
`,
  // Parallel accumulation, racy and correct.
  (n) => `export async function sum${n}(skus: readonly string[]): Promise<[number, number]> {
  let racy = 0;
  let safe = 0;
  await Promise.all(
    skus.map(async (sku) => {
      racy += await price(sku);
      const each = await price(sku);
      safe += each;
    }),
  );
  return [racy, safe];
}
`,
  // acquire/release in try/finally.
  (n) => `const lock${n} = new Mutex();
let version${n} = 0;

export async function bump${n}(id: string): Promise<number> {
  const release = await lock${n}.acquire();
  try {
    const seen = version${n};
    await saveRow(await loadRow(id));
    version${n} = seen + 1;
    return version${n};
  } finally {
    release();
  }
}
`,
  // Lost update on imported state: the entries of a Map another module owns.
  (n) => `export async function visit${n}(id: string): Promise<void> {
  const seen = visits.get(id) ?? 0;
  await saveRow(await loadRow(id));
  visits.set(id, seen + 1);
}
`,
];
// How often each block appears: mostly ordinary code.
const WEIGHTS = [5, 4, 2, 1, 1, 1, 1, 1, 1];

function generateProject(dir, fileCount, linesPerFile) {
  const next = random(42);
  const pick = () => {
    let roll = next() * WEIGHTS.reduce((a, b) => a + b, 0);
    return BLOCKS[WEIGHTS.findIndex((w) => (roll -= w) < 0)];
  };
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  // The project imports the real async-mutex so that lock detection sees its real types.
  fs.symlinkSync(path.join(root, 'node_modules', 'async-mutex'), path.join(dir, 'node_modules', 'async-mutex'), 'dir');
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node10',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        skipLibCheck: true,
        noEmit: true,
      },
      include: ['src'],
    }),
  );
  fs.writeFileSync(path.join(dir, 'src', 'io.ts'), IO);
  let lines = IO.split('\n').length - 1;
  for (let file = 0; file < fileCount; file++) {
    let text = `import { Mutex } from 'async-mutex';\n\nimport { loadRow, price, saveRow, visits, type Row } from './io';\n\n`;
    for (let block = 0; text.split('\n').length < linesPerFile; block++) text += `${pick()(`${file}_${block}`)}\n`;
    fs.writeFileSync(path.join(dir, 'src', `module${file}.ts`), text);
    lines += text.split('\n').length - 1;
  }
  return { files: fileCount + 1, lines };
}

// --- one measurement (child process) -----------------------------------------------------------------

async function measure(kind, dir) {
  const plugin = kind === 'baseline' ? undefined : createRequire(import.meta.url)(path.join(root, 'dist', 'src', 'index.js'));
  const start = performance.now();
  const eslint = new ESLint({
    cwd: dir,
    stats: kind === 'stats',
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: dir } },
        plugins: { '@typescript-eslint': tseslint.plugin },
        // A cheap type-aware rule, so that the baseline builds the program and asks the checker.
        rules: { '@typescript-eslint/await-thenable': 'error' },
      },
      ...(plugin ? [plugin.configs.all] : []),
    ],
  });
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const ms = performance.now() - start;

  const fatal = results.flatMap((r) => r.messages.filter((m) => m.fatal).map((m) => `${r.filePath}: ${m.message}`));
  if (fatal.length > 0) throw new Error(`fatal lint messages:\n${fatal.join('\n')}`);
  const reports = {};
  for (const message of results.flatMap((r) => r.messages)) reports[message.ruleId] = (reports[message.ruleId] ?? 0) + 1;
  const ruleMs = {};
  let parseMs = 0;
  for (const pass of results.flatMap((r) => r.stats?.times.passes ?? [])) {
    parseMs += pass.parse?.total ?? 0;
    for (const [ruleId, { total }] of Object.entries(pass.rules ?? {})) ruleMs[ruleId] = (ruleMs[ruleId] ?? 0) + total;
  }
  return {
    ms,
    parseMs,
    ruleMs,
    reports,
    // maxRSS is the peak resident set size of this process, in kilobytes.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

// --- driver -------------------------------------------------------------------------------------------

function runChild(kind, dir) {
  const out = execFileSync(process.execPath, [self, '--measure', kind, '--dir', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** The run with the median wall time; peak RSS is the highest seen over all the runs. */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const row = (label, ...cells) => console.log(label.padEnd(28) + cells.map((c) => String(c).padStart(14)).join(''));

async function main() {
  if (args.measure) {
    process.stdout.write(`${JSON.stringify(await measure(args.measure, args.dir))}\n`);
    return;
  }
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'index.js'))) throw new Error('dist/src/index.js is missing: run `npm run build` first');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'async-race-bench-'));
  try {
    const { files, lines } = generateProject(dir, Number(args.files), Number(args.lines));
    console.log(`Synthetic project: ${fmt(files)} files, ${fmt(lines)} lines in ${dir}`);
    console.log(`Node ${process.version}, ESLint ${ESLint.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}\n`);

    const runs = { baseline: [], plugin: [] };
    for (let i = 0; i < Number(args.runs); i++) for (const kind of ['baseline', 'plugin']) runs[kind].push(runChild(kind, dir));
    const baseline = medianRun(runs.baseline);
    const withPlugin = medianRun(runs.plugin);
    const stats = runChild('stats', dir);

    const ruleReports = (run) => Object.entries(run.reports).filter(([id]) => id.startsWith('async-race/'));
    const count = (run) => Object.values(run.reports).reduce((a, b) => a + b, 0);
    const perKLines = (ms) => fmt((ms / lines) * 1000, 1);
    console.log(`Median of ${fmt(runs.baseline.length)} run${runs.baseline.length === 1 ? '' : 's'} each, alternating:`);
    row('', 'baseline', 'with plugin');
    row('wall time (ms)', fmt(baseline.ms), fmt(withPlugin.ms));
    row('ms per 1k lines', perKLines(baseline.ms), perKLines(withPlugin.ms));
    row('peak RSS (MB)', fmt(baseline.peakRssMb), fmt(withPlugin.peakRssMb));
    row('heap used at end (MB)', fmt(baseline.heapUsedMb), fmt(withPlugin.heapUsedMb));
    row('reports', fmt(count(baseline)), fmt(count(withPlugin)));

    const overhead = withPlugin.ms - baseline.ms;
    console.log(`\nplugin overhead: ${fmt(overhead)} ms (${fmt((overhead / baseline.ms) * 100, 1)}% of baseline)`);
    console.log(
      `async-race reports: ${ruleReports(withPlugin).map(([id, n]) => `${id} ${fmt(n)}`).join(', ') || 'none'}`,
    );

    const asyncRaceMs = Object.entries(stats.ruleMs).filter(([id]) => id.startsWith('async-race/'));
    const ruleTotal = asyncRaceMs.reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`\nRule time with ESLint stats (separate run; parse ${fmt(stats.parseMs)} ms):`);
    for (const [id, ms] of Object.entries(stats.ruleMs).sort(([, a], [, b]) => b - a)) {
      console.log(`  ${id.padEnd(40)}${`${fmt(ms)} ms`.padStart(12)}`);
    }
    console.log(`  async-race rules: ${fmt(ruleTotal)} ms, ${perKLines(ruleTotal)} ms per 1k lines`);
  } finally {
    if (args.keep) console.log(`\nkept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
