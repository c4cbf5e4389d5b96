// A labelled corpus of realistic racy and safe async TypeScript, linted with `configs.all`: every case
// file states on its first line the exact reports it should get, and the last test scores the plugin's
// precision and recall over the whole corpus. Run after `npm run build` (it loads the built plugin).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { corpora, type Corpus, corpusLinter } from './corpus-linter';

const PREFIX = 'async-race/';



interface Case {
  file: string;
  code: string;
  /** Sorted `rule:line` pairs the file should get. */
  expected: string[];
}

/** Reads a case file and parses its `// @expect` header: `none`, or comma-separated `rule:line` pairs. */
function readCase(casesDir: string, file: string): Case {
  const code = fs.readFileSync(path.join(casesDir, file), 'utf8');
  const header = /^\/\/ @expect (.+)$/m.exec(code.split('\n', 1)[0]);
  if (!header) throw new Error(`${file}: the first line must be "// @expect none" or "// @expect rule:line, ..."`);
  const spec = header[1].trim();
  const expected =
    spec === 'none'
      ? []
      : spec.split(',').map((pair) => {
          const item = pair.trim();
          if (!/^[a-z-]+:\d+$/.test(item)) throw new Error(`${file}: bad expectation "${item}"`);
          return item;
        });
  return { file, code, expected: [...new Set(expected)].sort() };
}

function testCorpus(corpus: Corpus): void {
  const { linter, config } = corpusLinter(corpus.root);
    const casesDir = path.join(corpus.root, 'cases');
    const caseFiles = fs.readdirSync(casesDir).filter((file) => file.endsWith('.ts')).sort();

  interface Outcome {
    /** Sorted `rule:line` pairs reported by the plugin's rules. */
    got: string[];
    /** Parse errors, rule crashes and other fatal problems. */
    fatal: string[];
  }

  const outcomes = new Map<string, Outcome>();

  function lint(testCase: Case): Outcome {
    const cached = outcomes.get(testCase.file);
    if (cached) return cached;
    let outcome: Outcome;
    try {
      const messages = linter.verify(testCase.code, config, { filename: path.join(casesDir, testCase.file) });
      outcome = {
        got: [
          ...new Set(
            messages
              .filter((m) => !m.fatal && m.ruleId?.startsWith(PREFIX))
              .map((m) => `${m.ruleId!.slice(PREFIX.length)}:${m.line}`),
          ),
        ].sort(),
        fatal: messages.filter((m) => m.fatal || !m.ruleId?.startsWith(PREFIX)).map((m) => `${m.line}: ${m.message}`),
      };
    } catch (error) {
      outcome = { got: [], fatal: [String(error)] };
    }
    outcomes.set(testCase.file, outcome);
    return outcome;
  }

  const cases = caseFiles.map((file) => readCase(casesDir, file));

  describe(`${corpus.name}: each case gets exactly its labelled reports`, () => {
    it('has a sizeable corpus with both racy and safe cases', () => {
      expect(cases.length).toBeGreaterThanOrEqual(corpus.minimumCases);
      expect(cases.filter((c) => c.expected.length > 0).length).toBeGreaterThan(cases.length / 3);
      expect(cases.filter((c) => c.expected.length === 0).length).toBeGreaterThan(cases.length / 3);
    });

    for (const testCase of cases) {
      const label = testCase.expected.length === 0 ? 'none' : testCase.expected.join(', ');
      const knownMiss = corpus.knownMisses?.[testCase.file];
      it(`${testCase.file} → ${label}${knownMiss ? ` (known miss: ${knownMiss.report}, ${knownMiss.why})` : ''}`, () => {
        const { got, fatal } = lint(testCase);
        expect(fatal).toEqual([]);
        if (knownMiss) expect(testCase.expected).toContain(knownMiss.report);
        expect(got).toEqual(testCase.expected.filter((pair) => pair !== knownMiss?.report));
      });
    }
  });

  describe(`${corpus.name}: precision and recall`, () => {
    it('scores at least 95% precision and 95% recall', () => {
      // Per report: a true positive is an expected rule:line that was reported.
      let truePositives = 0;
      let reported = 0;
      let expectedReports = 0;
      // Per file: a racy file is detected when the plugin reports anything in it.
      let racyFiles = 0;
      let racyDetected = 0;
      let flaggedFiles = 0;
      const disagreements: string[] = [];

      for (const testCase of cases) {
        const { got, fatal } = lint(testCase);
        const expected = new Set(testCase.expected);
        truePositives += got.filter((pair) => expected.has(pair)).length;
        reported += got.length;
        expectedReports += expected.size;
        if (expected.size > 0) racyFiles++;
        if (got.length > 0) flaggedFiles++;
        if (expected.size > 0 && got.length > 0) racyDetected++;
        if (fatal.length > 0 || got.join() !== testCase.expected.join()) {
          disagreements.push(
            `  ${testCase.file}: expected [${testCase.expected.join(', ')}] got [${got.join(', ')}]` +
              (fatal.length > 0 ? ` fatal: ${fatal.join(' | ')}` : ''),
          );
        }
      }

      const ratio = (num: number, den: number): number => (den === 0 ? 1 : num / den);
      const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
      const precision = ratio(truePositives, reported);
      const recall = ratio(truePositives, expectedReports);
      const filePrecision = ratio(racyDetected, flaggedFiles);
      const fileRecall = ratio(racyDetected, racyFiles);

      console.log(
        [
          `${corpus.name}: ${cases.length} files (${racyFiles} racy, ${cases.length - racyFiles} safe)`,
          `per report: precision ${pct(precision)} (${truePositives}/${reported}), recall ${pct(recall)} (${truePositives}/${expectedReports})`,
          `per file:   precision ${pct(filePrecision)} (${racyDetected}/${flaggedFiles}), recall ${pct(fileRecall)} (${racyDetected}/${racyFiles})`,
          disagreements.length > 0 ? `disagreements (${disagreements.length}):\n${disagreements.join('\n')}` : 'no disagreements',
        ].join('\n'),
      );

      expect(precision).toBeGreaterThanOrEqual(0.95);
      expect(recall).toBeGreaterThanOrEqual(0.95);
      expect(filePrecision).toBeGreaterThanOrEqual(0.95);
      expect(fileRecall).toBeGreaterThanOrEqual(0.95);
    });
  });
}

for (const corpus of corpora) testCorpus(corpus);
