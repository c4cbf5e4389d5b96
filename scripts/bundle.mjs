// The second step of `npm run build`: bundles the plugin's entry (dist/src/index.js, as tsc wrote it,
// with its ~35 CommonJS modules) into that same file, so that loading the plugin reads and compiles
// one file instead of resolving and reading each module (a pre-commit hook on one file pays this).
// Every package stays external: the user's install provides them, and `typescript` must be the very
// module that typescript-eslint uses. Not minified, so stack traces stay readable. The other files of
// dist/ stay as tsc wrote them (tests and scripts may import them); only the entry changes.
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'src', 'index.js');
const temporary = `${entry}.bundle-${process.pid}.tmp`;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The package a bare import names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const isBuiltin = (specifier) => specifier.startsWith('node:') || builtinModules.includes(specifier);

try {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: temporary,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    minify: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // A package the entry imports but package.json does not declare would load here (from this
  // repository's node_modules) and fail in a user's install: refuse to build it.
  const undeclared = Object.values(result.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((imported) => imported.external && !isBuiltin(imported.path) && !allowed.has(packageOf(imported.path)))
    .map((imported) => imported.path);
  if (undeclared.length > 0) throw new Error(`the plugin imports packages that package.json does not declare: ${[...new Set(undeclared)].join(', ')}`);
  fs.renameSync(temporary, entry);
  const modules = Object.keys(result.metafile.inputs).length;
  console.log(`bundled ${path.relative(root, entry)}: ${modules} module${modules === 1 ? '' : 's'}, ${Math.round(fs.statSync(entry).size / 1024)} kB`);
} catch (error) {
  fs.rmSync(temporary, { force: true });
  console.error(`scripts/bundle.mjs: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
