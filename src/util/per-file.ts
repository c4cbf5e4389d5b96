/**
 * The value kept for one file (its source code object) and one set of options (their key), made by
 * `make` the first time it is asked for: what the rules linting the same file share.
 */
export function perFileAndOptions<T>(cache: WeakMap<object, Map<string, T>>, sourceCode: object, key: string, make: () => T): T {
  let byOptions = cache.get(sourceCode);
  if (!byOptions) {
    byOptions = new Map();
    cache.set(sourceCode, byOptions);
  }
  let value = byOptions.get(key);
  if (value === undefined) {
    value = make();
    byOptions.set(key, value);
  }
  return value;
}
