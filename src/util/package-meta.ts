import * as fs from 'node:fs';
import * as path from 'node:path';

/** The plugin's own name and version, found by walking up from this file (works from `src/`, `dist/src/` and the bundled `dist/src/index.js`, whose `__dirname` is `dist/src/`). */
export function readPackageMeta(): { name: string; version: string } {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'eslint-plugin-async-race' && pkg.version) return { name: pkg.name, version: pkg.version };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('eslint-plugin-async-race: cannot find its own package.json');
    dir = parent;
  }
}
