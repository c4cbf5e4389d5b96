// Generated TypeScript projects for the bench:
//   generateProject  a project of ordinary code with a few races of each kind (the "synthetic" corpus);
//   SCALING          one file per size, to show that the rules' time per statement stays flat: a long
//                    async function (N statements, about N awaits, nested branches and loops, and
//                    2^(N/5) paths through its sequence of if/else), and a module with N/3 shared
//                    variables each updated by its own async function.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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

/** Writes the synthetic project (`fileCount` modules of about `linesPerFile` lines) into `dir`. */
export function generateProject(dir, fileCount, linesPerFile) {
  const next = random(42);
  const pick = () => {
    let roll = next() * WEIGHTS.reduce((a, b) => a + b, 0);
    return BLOCKS[WEIGHTS.findIndex((w) => (roll -= w) < 0)];
  };
  initProject(dir);
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

/** An empty project in `dir`: tsconfig.json, src/, and the real async-mutex so that lock detection sees its types. */
function initProject(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
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
}

// --- scaling ---------------------------------------------------------------------------------------

const SHARED = 16;

/** The statements of block `i` of the long function: one await each, branches and loops, rarely a race. */
function functionBlock(i) {
  const s = `s${i % SHARED}`;
  switch (i % 5) {
    case 0:
      // A sequence of k of these has 2^k paths.
      return [`if (flag(${i})) {\n    local += ${s};\n    await tick();\n  } else {\n    ${s} = ${i};\n  }`];
    case 1:
      return [`for (const item of items) {\n    if (item > ${i}) {\n      await tick();\n      local += item;\n    }\n  }`];
    case 2:
      return i % 50 === 2
        ? [`const seen${i} = ${s};`, `await tick();`, `${s} = seen${i} + 1;`]
        : [`${s} += 1;`, `await tick();`, `local += ${s};`];
    case 3:
      return [`while (local < ${i}) {\n    local++;\n    if (flag(local)) break;\n    await tick();\n  }`];
    default:
      return [`try {\n    await tick();\n    local += ${s};\n  } catch {\n    local = 0;\n  }`];
  }
}

const SCALING_PRELUDE = `declare function tick(): Promise<void>;
declare function flag(n: number): boolean;
`;

/** The families of scaling files; `source(n)` returns the text of a file with about `n` statements. */
export const SCALING = [
  {
    name: 'one async function',
    source(n) {
      const statements = [];
      for (let i = 0; statements.length < n; i++) statements.push(...functionBlock(i));
      const shared = Array.from({ length: SHARED }, (_, j) => `let s${j} = 0;`).join('\n');
      return {
        statements: statements.length,
        text: `${SCALING_PRELUDE}${shared}\n\nexport async function big(items: readonly number[]): Promise<number> {\n  let local = 0;\n  ${statements.join('\n  ')}\n  return local;\n}\n`,
      };
    },
  },
  {
    name: 'module of shared variables',
    source(n) {
      const parts = [];
      const count = Math.max(1, Math.round(n / 3));
      for (let i = 0; i < count; i++) {
        parts.push(
          i % 20 === 0
            ? `let m${i} = 0;\nexport async function f${i}(): Promise<void> {\n  const seen = m${i};\n  await tick();\n  m${i} = seen + 1;\n}`
            : `let m${i} = 0;\nexport async function f${i}(): Promise<number> {\n  m${i} += 1;\n  await tick();\n  return m${i};\n}`,
        );
      }
      return { statements: count * 3, text: `${SCALING_PRELUDE}${parts.join('\n')}\n` };
    },
  },
];

/**
 * A project holding a small warm-up file (linted first, so that the measured file does not pay for
 * the JIT's first runs of the rules) and `scale.ts`.
 */
export function generateScalingProject(dir, family, n) {
  initProject(dir);
  fs.writeFileSync(path.join(dir, 'src', 'a-warmup.ts'), family.source(200).text);
  const { statements, text } = family.source(n);
  fs.writeFileSync(path.join(dir, 'src', 'scale.ts'), text);
  return { statements, lines: text.split('\n').length };
}
