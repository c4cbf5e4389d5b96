// The real code bases the bench lints: packages that publish their TypeScript sources. They are
// installed with npm into bench/.cache (a folder this script owns, never the project's
// node_modules), at the exact versions pinned in bench/corpora/package.json, and each package's
// src/ is copied into bench/.cache/corpora/<name> with a tsconfig.json that resolves its imports
// through bench/.cache/node_modules. They are only linted, never run, so the engines field of a
// package does not matter; we still pin versions that declare Node 20 support.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = path.join(root, 'bench', '.cache');
const manifest = path.join(root, 'bench', 'corpora', 'package.json');

/**
 * Each corpus: the package, and the compiler options of its own build, reduced to what type
 * checking needs (the packages ship src/ but not always their tsconfig).
 */
export const CORPORA = [
  {
    // The official MongoDB driver: connection pools, sessions, cursors; class and module state.
    name: 'mongodb',
    compilerOptions: {
      target: 'ES2023',
      module: 'node16',
      moduleResolution: 'node16',
      lib: ['es2023'],
      types: ['node'],
      strict: true,
      esModuleInterop: false,
      useUnknownInCatchVariables: false,
      useDefineForClassFields: false,
      noImplicitOverride: true,
    },
  },
  {
    // The Matrix client SDK: sync loops, crypto, WebRTC calls; long-lived objects with async methods.
    // 37.5.0 is the last release whose engines field still includes Node 20.
    name: 'matrix-js-sdk',
    compilerOptions: {
      target: 'ES2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['es2022', 'dom', 'dom.iterable'],
      types: ['node'],
      strict: true,
      esModuleInterop: true,
      // Its sources import each other with `.ts` extensions.
      allowImportingTsExtensions: true,
    },
  },
];

/** Installs the pinned packages into the cache, unless the cache already holds exactly those. */
export function installCorpora(log) {
  const wanted = fs.readFileSync(manifest, 'utf8');
  const stamp = path.join(cacheDir, '.installed-manifest.json');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return;
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(path.join(cacheDir, 'package.json'), wanted);
  log(`Installing the corpora into ${path.relative(root, cacheDir)} (npm install --prefix) …`);
  // --ignore-scripts: the native add-ons (kerberos, mongodb-client-encryption) are wanted for their
  // type declarations only.
  execFileSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  fs.writeFileSync(stamp, wanted);
}

/** Copies one package's src/ into its corpus folder with a tsconfig.json; returns the folder. */
export function prepareCorpus(corpus) {
  const dir = path.join(cacheDir, 'corpora', corpus.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(cacheDir, 'node_modules', corpus.name, 'src'), path.join(dir, 'src'), {
    recursive: true,
    filter: (source) => fs.statSync(source).isDirectory() || source.endsWith('.ts'),
  });
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: { ...corpus.compilerOptions, skipLibCheck: true, noEmit: true }, include: ['src'] }, null, 2)}\n`,
  );
  return dir;
}

/** How many files, lines and TypeScript errors the corpus has (errors do not stop linting, but are worth knowing). */
export function describeProject(dir) {
  const { fileNames, errors } = typeCheck(dir);
  const lines = fileNames.reduce((sum, file) => sum + fs.readFileSync(file, 'utf8').split('\n').length, 0);
  return { files: fileNames.length, lines, typeErrors: errors.length };
}

/** The project's TypeScript errors, each as `file(line): TSnnnn message` with the file relative to `dir`. */
export function typeCheck(dir) {
  const configPath = path.join(dir, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const where = d.file ? `${path.relative(dir, d.file.fileName)}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : '';
      return `${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  return { fileNames: config.fileNames, errors };
}
