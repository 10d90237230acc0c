import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));
/** A chain of static imports longer than this means the parser below went wrong. */
const MAX_FILES = 200;

export interface InitialJs {
  /** Each file the browser must fetch before the page runs, with its gzipped size in bytes. */
  files: { file: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
}

/**
 * The JavaScript a first visit downloads before the page can run: the entry chunk index.html
 * names, its modulepreloads, and everything they import statically (dynamic `import()` chunks
 * load later and are not counted). Each file is gzipped on its own, as a server sends it.
 */
export function measureInitialJs(distDir = WEB_DIST): InitialJs {
  const indexFile = path.join(distDir, 'index.html');
  if (!existsSync(indexFile)) throw new Error(`${indexFile} is missing: run pnpm build first`);
  const html = readFileSync(indexFile, 'utf8');
  const roots = [
    ...matchAll(html, /<script\b[^>]*\btype=["']module["'][^>]*\bsrc=["']([^"']+)["']/g),
    ...matchAll(html, /<link\b[^>]*\brel=["']modulepreload["'][^>]*\bhref=["']([^"']+)["']/g),
  ].filter((src) => !/^[a-z]+:\/\//i.test(src));
  if (roots.length === 0) throw new Error(`${indexFile} names no module script`);

  const seen = new Set<string>();
  const queue = roots.map((src) => path.join(distDir, src.replace(/^\//, '')));
  const files: InitialJs['files'] = [];
  while (queue.length > 0 && seen.size < MAX_FILES) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file);
    files.push({ file: path.relative(distDir, file), bytes: code.length, gzipBytes: gzipSync(code).length });
    // A match inside a string literal may name no file of ours: only real chunks are followed.
    const imported = staticImports(code.toString('utf8')).map((specifier) => path.resolve(path.dirname(file), specifier));
    queue.push(...imported.filter((candidate) => candidate.startsWith(distDir) && existsSync(candidate)));
  }
  return { files, gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

/**
 * Relative specifiers of `import … from "./x.js"`, `export … from "./x.js"` and `import "./x.js"`
 * in bundler output. `import("./x.js")` has a parenthesis and is deliberately not matched.
 */
function staticImports(code: string): string[] {
  return [...matchAll(code, /\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g), ...matchAll(code, /\bimport\s*["'](\.{1,2}\/[^"']+)["']/g)];
}

function matchAll(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1]!);
}
