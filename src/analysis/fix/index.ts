import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import * as path from 'node:path';

import ts from 'typescript';

import type { RaceAnalysis } from '../analyze';
import type { RaceFinding } from '../dataflow';
import { baseDeclaresMember, declaredMemberNames } from '../declared-types';
import { unawaitedInSections } from '../unawaited-in-lock';
import { PerFile } from '../../util/per-file';
import { mutexImport } from './imports';
import { chooseMutex, parameterProperties } from './mutex';
import { beyondFlowAnalysis, escapeAnnotation, narrowingLoss } from './narrowing';
import { type CriticalSection, findCriticalSection, inspectSection } from './section';

export type FixMode = 'autofix' | 'suggestion' | 'none';

/** The wrap of one finding's critical section: applied with `--fix` only when `autofix` is true. */
export interface RaceFix {
  /** Every guarantee holds: the wrap may be applied by `eslint --fix`. */
  autofix: boolean;
  /** `async-mutex` does not resolve from this file: the suggestion says to add it. */
  missingDependency: boolean;
  mutex: string;
  firstLine: number;
  lastLine: number;
  apply: (fixer: TSESLint.RuleFixer) => TSESLint.RuleFix[];
}

const resolvable = new WeakMap<ts.Program, { byFolder: Map<string, boolean>; cache: ts.ModuleResolutionCache }>();

/** Asks the checker's module resolution whether `async-mutex` can be imported from this file. */
function resolvesAsyncMutex(services: ParserServicesWithTypeInformation, filename: string): boolean {
  const options = services.program.getCompilerOptions();
  let resolution = resolvable.get(services.program);
  if (!resolution) {
    // The cache shares what was looked up in common parent folders between the folders asked.
    const canonical = (name: string) => (ts.sys.useCaseSensitiveFileNames ? name : name.toLowerCase());
    resolution = { byFolder: new Map(), cache: ts.createModuleResolutionCache(services.program.getCurrentDirectory(), canonical, options) };
    resolvable.set(services.program, resolution);
  }
  // Resolution from a file depends only on its folder (and the program's options).
  const folder = path.dirname(filename);
  let answer = resolution.byFolder.get(folder);
  if (answer === undefined) {
    const resolved = ts.resolveModuleName('async-mutex', filename, options, ts.sys, resolution.cache);
    answer = resolved.resolvedModule !== undefined;
    resolution.byFolder.set(folder, answer);
  }
  return answer;
}

function lineIndent(sourceCode: Readonly<TSESLint.SourceCode>, line: number): string {
  return /^\s*/.exec(sourceCode.lines[line - 1])?.[0] ?? '';
}

/** The file's indentation step, read off the function body the section is in. */
function indentStep(sourceCode: Readonly<TSESLint.SourceCode>, section: CriticalSection, baseIndent: string): string {
  const parentIndent = lineIndent(sourceCode, section.statements[0].parent.loc.start.line);
  if (baseIndent.startsWith(parentIndent) && baseIndent.length > parentIndent.length) {
    return baseIndent.slice(parentIndent.length);
  }
  return baseIndent.includes('\t') ? '\t' : '  ';
}

/** Ranges of multi-line template literals: their lines must not be re-indented. */
function templateRanges(sourceCode: Readonly<TSESLint.SourceCode>, section: CriticalSection): Array<[number, number]> {
  // Without a backquote or a line continuation in its text, the section has no such literal, and
  // its tokens need not be listed (a section can be most of a long function).
  const text = sourceCode.text.slice(section.statements[0].range[0], section.statements.at(-1)?.range[1]);
  if (!text.includes('`') && !/\\\r?\n/.test(text)) return [];
  // Only the section's own tokens, not the file's.
  return section.statements
    .flatMap((statement) => sourceCode.getTokens(statement))
    .filter((token) => token.type === 'Template' || (token.type === 'String' && token.value.includes('\n')))
    .map((token) => token.range);
}

const sectionTexts = new WeakMap<CriticalSection, string>();

function sectionText(section: CriticalSection, sourceCode: Readonly<TSESLint.SourceCode>): string {
  let text = sectionTexts.get(section);
  if (text === undefined) {
    text = section.statements.map((statement) => sourceCode.getText(statement)).join('\n');
    sectionTexts.set(section, text);
  }
  return text;
}

/**
 * Per analysis of the file being linted (one per set of lock options): its findings by function,
 * kept as the rest of what the rules keep for a file (`PerFile`).
 */
const byUnit = new PerFile<Map<readonly RaceFinding[], Map<RaceFinding['unit'], RaceFinding[]>>>();

/** A file's findings by the function they are in, grouped once: a filter of them all per report was quadratic in a file with many. */
function findingsByUnit(sourceCode: Readonly<TSESLint.SourceCode>, findings: readonly RaceFinding[]): Map<RaceFinding['unit'], RaceFinding[]> {
  const analyses = byUnit.get(sourceCode, () => new Map());
  let grouped = analyses.get(findings);
  if (!grouped) {
    grouped = new Map();
    for (const finding of findings) {
      const own = grouped.get(finding.unit);
      if (own) own.push(finding);
      else grouped.set(finding.unit, [finding]);
    }
    analyses.set(findings, grouped);
  }
  return grouped;
}

/**
 * Races in one function whose sections overlap become one section: the union of their statement
 * ranges in the same block, grown until no other race overlaps it.
 */
function overlappingRaces(
  finding: RaceFinding,
  findings: readonly RaceFinding[],
  sourceCode: Readonly<TSESLint.SourceCode>,
): { section: CriticalSection; lead: RaceFinding; members: RaceFinding[] } | undefined {
  const own = findCriticalSection(finding);
  if (!own) return undefined;
  let section = own;
  let lead = finding;
  const members = [finding];
  const others = (findingsByUnit(sourceCode, findings).get(finding.unit) ?? [])
    .filter((other) => other !== finding && (!other.lockProblem || other.lockProblem.kind === 'notExclusive'))
    .map((other) => ({ other, section: findCriticalSection(other) }));
  for (let grown = true; grown; ) {
    grown = false;
    for (const { other, section: theirs } of others) {
      if (!theirs || theirs.siblings !== section.siblings) continue;
      if (theirs.end < section.start || theirs.start > section.end) continue;
      if (!members.includes(other)) members.push(other);
      if (theirs.start >= section.start && theirs.end <= section.end && other.write.range[0] > lead.write.range[0]) continue;
      const start = Math.min(section.start, theirs.start);
      const end = Math.max(section.end, theirs.end);
      if (start !== section.start || end !== section.end) grown = true;
      section = { siblings: section.siblings, start, end, statements: section.siblings.slice(start, end + 1) };
      if (other.write.range[0] < lead.write.range[0]) lead = other;
    }
  }
  return { section, lead, members };
}

/**
 * Plans the wrap of a finding's critical section in `mutex.runExclusive(async () => { … })`:
 * the section, the mutex (reused or declared), the import, the values that leave the section.
 * Undefined when no correct wrap exists; `autofix: false` when it is only safe as a suggestion.
 */
export function planRaceFix(
  finding: RaceFinding,
  analysis: RaceAnalysis,
  sourceCode: Readonly<TSESLint.SourceCode>,
  filename: string,
): RaceFix | undefined {
  // A lock that does not exclude anyone can be wrapped inside; any other lock problem needs the code restructured.
  if (finding.lockProblem && finding.lockProblem.kind !== 'notExclusive') return undefined;
  const group = overlappingRaces(finding, analysis.findings, sourceCode);
  if (!group) return undefined;
  let section = group.section;
  // Every race of the group gets the same wrap, named after the first one.
  finding = group.lead;
  const variableOf = (identifier: TSESTree.Identifier) => analysis.shared.variableOf(identifier);
  if (beyondFlowAnalysis(finding.unit, sourceCode)) return undefined;
  // How the file can name a new Mutex: read off its imports (once per file), before the checker is
  // asked anything about the section.
  const imported = mutexImport(sourceCode, filename, analysis.services.esTreeNodeToTSNodeMap.get(sourceCode.ast), analysis.services.program);
  if (!imported) return undefined;
  let verdict = inspectSection(section, finding.unit, sourceCode, variableOf);
  // The checker is asked about narrowing only for a section that could be wrapped (each first
  // answer in a function costs its flow analysis up to there).
  let narrowing = verdict.blocked ? undefined : narrowingLoss(section, finding.unit, sourceCode, analysis.services, variableOf);
  if ((verdict.returnsMidway || verdict.declarationEscapes || narrowing?.after) && finding.unit.body.type === 'BlockStatement' && section.siblings === finding.unit.body.body) {
    // A return inside the section, or narrowing made in it, holds if the rest of the function moves inside too.
    const toEnd: CriticalSection = {
      ...section,
      end: section.siblings.length - 1,
      statements: section.siblings.slice(section.start),
    };
    const extended = inspectSection(toEnd, finding.unit, sourceCode, variableOf);
    const extendedNarrowing = extended.blocked || extended.suggestOnly ? undefined : narrowingLoss(toEnd, finding.unit, sourceCode, analysis.services, variableOf);
    if (extendedNarrowing && !extendedNarrowing.after) {
      section = toEnd;
      verdict = extended;
      narrowing = extendedNarrowing;
    }
  }
  if (verdict.blocked || !narrowing) return undefined;
  // Code that would not type-check is not offered at all, not even as a suggestion.
  if (narrowing.after || narrowing.inside) return undefined;
  const annotation = escapeAnnotation(verdict.escapes, narrowing, sourceCode, analysis.services);
  if (annotation === undefined) return undefined;
  const mutex = chooseMutex(finding, section.statements, {
    sourceCode,
    shared: analysis.shared,
    guarded: analysis.guarded,
    callsUnderLock: analysis.callsUnderLock,
    otherRaces: () =>
      analysis.findings
        .filter((other) => !group.members.includes(other))
        .flatMap((other) => {
          const theirs = findCriticalSection(other);
          return theirs ? [{ unit: other.unit, section: sectionText(theirs, sourceCode) }] : [];
        }),
    typeNameOf(identifier) {
      // `acct?: Account` and `acct: Account | undefined` hold an Account: the functions taking one
      // must share its mutex.
      const checker = analysis.services.program.getTypeChecker();
      const type = checker.getNonNullableType(analysis.services.getTypeAtLocation(identifier));
      const name = (type.aliasSymbol ?? type.getSymbol())?.getName();
      return name && /^[A-Za-z_$][\w$]*$/.test(name) && name !== '__type' && name !== '__object' ? name : undefined;
    },
    memberNamesOf(cls) {
      // Nothing inherited: the members are the class body's (the caller reads those) and the
      // constructor's parameter properties; the checker's member list would cost its first answer.
      if (!cls.superClass) return new Set(parameterProperties(cls));
      const names = new Set<string>();
      const checker = analysis.services.program.getTypeChecker();
      const tsClass = analysis.services.esTreeNodeToTSNodeMap.get(cls);
      const declared = declaredMemberNames(checker, tsClass);
      if (declared) return new Set(declared);
      const symbol = tsClass.name ? checker.getSymbolAtLocation(tsClass.name) : undefined;
      if (symbol) {
        for (const property of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) names.add(property.getName());
        for (const property of checker.getTypeOfSymbolAtLocation(symbol, tsClass).getProperties()) names.add(property.getName());
      }
      return names;
    },
    hasStringIndex(cls, isStatic) {
      // The class's own, read off its body (a class implementing an interface that has one must
      // declare it too).
      const own = cls.body.body.some((member) => member.type === 'TSIndexSignature' && member.static === isStatic && !isNumberKeyed(member));
      if (own) return true;
      if (!cls.superClass) return false;
      const checker = analysis.services.program.getTypeChecker();
      // An inherited one up the `extends` clauses, from the symbol tables, where an index signature
      // is a member named `__index` (of any key type: taken as one for strings); from the class's
      // type, which resolves every member of every base, only where a base is no class named outright.
      const declared = declaredMemberNames(checker, analysis.services.esTreeNodeToTSNodeMap.get(cls));
      if (declared) return declared.has(INDEX_SIGNATURE);
      const constructorType = checker.getTypeAtLocation(analysis.services.esTreeNodeToTSNodeMap.get(cls));
      const type = isStatic ? constructorType : checker.getDeclaredTypeOfSymbol(constructorType.symbol);
      return checker.getIndexInfosOfType(type).some((info) => !(info.keyType.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.ESSymbolLike)));
    },
    baseDeclares(cls, name) {
      return baseDeclaresMember(analysis.services.program.getTypeChecker(), analysis.services.esTreeNodeToTSNodeMap.get(cls), name);
    },
    typescript: /\.[cm]?tsx?$/.test(filename),
    mutexClass: imported.name,
  });
  if (!mutex) return undefined;
  // The file as the checker knows it (an absolute path, whatever ESLint was given).
  const checkedFile = analysis.services.esTreeNodeToTSNodeMap.get(sourceCode.ast).fileName;
  const missingDependency = !resolvesAsyncMutex(analysis.services, checkedFile);
  // A new mutex beside one that already guards this state would leave two locks that do not exclude each other.
  const paths = new Set(group.members.map((member) => member.path.key));
  const competingLock = analysis.guarded.some(
    (update) => paths.has(update.path.key) && !update.locks.some((lock) => lock.mutexReceiver && sourceCode.getText(lock.mutexReceiver) === mutex.text),
  );
  const first = section.statements[0];
  const last = section.statements[section.statements.length - 1];
  // A promise the section starts and lets go (`this.fetchMore();`) would run on after the lock is
  // released: no-unawaited-in-lock would report the fixed code, so the wrap is only suggested.
  // Asked last: each call's first answer can cost the checker milliseconds.
  const wrap = { fn: finding.unit, range: [first.range[0], last.range[1]] as const, lock: mutex.text, line: first.loc.start.line, isCallback: true };
  const autofix =
    !verdict.suggestOnly &&
    !mutex.inheritedState &&
    !missingDependency &&
    !competingLock &&
    unawaitedInSections([wrap], analysis.services, sourceCode).length === 0;

  const indent = lineIndent(sourceCode, first.loc.start.line);
  const step = indentStep(sourceCode, section, indent);
  const templates = templateRanges(sourceCode, section);
  // A comment after the last statement on its line stays with it, inside the wrap.
  const trailing = sourceCode.getTokenAfter(last, { includeComments: true });
  const end =
    trailing && (trailing.type === 'Line' || trailing.type === 'Block') && trailing.loc.start.line === last.loc.end.line
      ? trailing.range[1]
      : last.range[1];
  const inner = sourceCode.text.slice(first.range[0], end);
  let offset = first.range[0];
  const lines = inner.split('\n').map((line, index) => {
    const lineStart = offset;
    offset += line.length + 1;
    if (index === 0) return `${indent}${step}${line}`;
    if (line.trim() === '') return '';
    const inTemplate = templates.some(([start, end]) => lineStart > start && lineStart < end);
    return inTemplate ? line : `${step}${line}`;
  });
  const names = verdict.escapes.map((identifier) => identifier.name);
  const valueOut = names.length === 1 ? names[0] : `{ ${names.join(', ')} }`;
  const head =
    names.length > 0
      ? `${verdict.escapeKind} ${valueOut}${annotation} = await `
      : verdict.returns
        ? 'return await '
        : 'await ';
  const returnLine = names.length > 0 ? `\n${indent}${step}return ${valueOut};` : '';
  const text = `${head}${mutex.text}.runExclusive(async () => {\n${lines.join('\n')}${returnLine}\n${indent}});`;

  return {
    autofix,
    missingDependency,
    mutex: mutex.text,
    firstLine: first.loc.start.line,
    lastLine: last.loc.end.line,
    apply(fixer) {
      const fixes = [fixer.replaceTextRange([first.range[0], end], text)];
      // Insertions at one place are made as one, import first.
      const insertions = new Map<number, string>();
      const edit = imported.edit;
      if (edit) insertions.set(edit.at, edit.text);
      if (mutex.declaration) {
        const { at, text: declaration } = mutex.declaration;
        insertions.set(at, (insertions.get(at) ?? '') + declaration);
      }
      for (const [at, inserted] of insertions) fixes.push(fixer.insertTextAfterRange([at, at], inserted));
      return fixes;
    },
  };
}

/** The name an index signature has in a symbol table (TypeScript's `InternalSymbolName.Index`). */
const INDEX_SIGNATURE = '__index';

/** An index signature for number keys only (`[index: number]: T`), which constrains no named member. */
function isNumberKeyed(signature: TSESTree.TSIndexSignature): boolean {
  const key = signature.parameters[0];
  return key.type === 'Identifier' && key.typeAnnotation?.typeAnnotation.type === 'TSNumberKeyword';
}
