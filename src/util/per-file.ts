/** Every `PerFile` (all made when the plugin's modules load). */
const caches: Array<PerFile<unknown>> = [];

/**
 * What the rules keep for the file being linted: one value, made the first time a rule asks for it,
 * and dropped once the plugin's last rule is done with the file (`endFile`), or else when a rule
 * starts on another file.
 *
 * Why not a module-level `WeakMap` keyed by the source code, and why drop the values as soon as the
 * file is done: whatever a long-lived object references stays alive through V8's young-generation
 * collections, which run many times while ESLint parses the next files. A value that reaches back
 * to its file (a closure over `sourceCode`, an analysis and its nodes) so kept the whole file (its
 * tree, tokens, scopes and parser maps): it was promoted to the old generation and stayed there
 * until the next full collection, which raises the peak memory.
 *
 * Today ESLint itself keeps every file so as soon as any rule is on (its rule contexts are made with
 * `Object.create` of the file's context, which V8 then holds from a long-lived map), so this changes
 * no measurement with ESLint 9 or 10. With that one line of ESLint changed, the plugin's rules
 * promoted 229 MB over mongodb with the module-level maps and listeners made per file, and 211 MB
 * with `PerFile` and `UnitRelay`, against 188 MB with no rule (peak RSS 470, 454 and 425 MB).
 *
 * ESLint lints one file at a time, from parse to the last `Program:exit`, without yielding, so the
 * file a rule asks about is the current one; a file linted again (a fix pass) comes with a new
 * source code object and gets new values.
 */
export class PerFile<T> {
  #file: object | undefined;
  #value: T | undefined;

  constructor() {
    caches.push(this);
  }

  get(sourceCode: object, make: () => T): T {
    if (this.#file !== sourceCode) {
      this.#value = make();
      this.#file = sourceCode;
    }
    return this.#value as T;
  }

  drop(): void {
    this.#file = undefined;
    this.#value = undefined;
  }
}

/** The file the plugin's rules are linting, and how many of them have not reached its `Program:exit`. */
let currentFile: object | undefined;
let rulesInFile = 0;

function dropAll(): void {
  for (const cache of caches) cache.drop();
}

/** A rule of the plugin starts on a file (before it makes anything for it). */
export function startFile(sourceCode: object): void {
  if (currentFile !== sourceCode) {
    // The last file's rules did not all finish (one threw): nothing of that file is needed any more.
    dropAll();
    currentFile = sourceCode;
    rulesInFile = 0;
  }
  rulesInFile++;
}

/** A rule of the plugin is done with a file (after its `Program:exit`); the last one drops what was kept for it. */
export function endFile(sourceCode: object): void {
  if (currentFile !== sourceCode) return;
  rulesInFile--;
  if (rulesInFile === 0) {
    dropAll();
    currentFile = undefined;
  }
}

/**
 * The value kept for the file being linted (its source code object) and one set of options (their
 * key), made by `make` the first time it is asked for: what the rules linting the same file share.
 */
export function perFileAndOptions<T>(cache: PerFile<Map<string, T>>, sourceCode: object, key: string, make: () => T): T {
  const byOptions = cache.get(sourceCode, () => new Map());
  let value = byOptions.get(key);
  if (value === undefined) {
    value = make();
    byOptions.set(key, value);
  }
  return value;
}
