import { gzipSync } from 'node:zlib';
import type { Logger, Plugin } from 'vite';

interface BudgetOptions {
  /** Gzipped bytes the initial JavaScript (entry chunk and its static imports) may weigh. */
  maxInitialGzipBytes: number;
}

interface ChunkLike {
  type: 'chunk';
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: string[];
}

/**
 * Prints the gzipped size of the JavaScript a visitor must download before the page can run,
 * and fails the build when it is over budget. Lazy chunks are listed too, for honesty, but only
 * the initial set counts: they load after the page is already usable.
 */
export function bundleBudget({ maxInitialGzipBytes }: BudgetOptions): Plugin {
  let logger: Logger;
  return {
    name: 'jwt-lab:bundle-budget',
    apply: 'build',
    configResolved(config) {
      logger = config.logger;
    },
    writeBundle(_options, bundle) {
      const chunks = new Map<string, ChunkLike>();
      for (const output of Object.values(bundle)) if (output.type === 'chunk') chunks.set(output.fileName, output);
      const initial = new Set<string>();
      const visit = (fileName: string) => {
        if (initial.has(fileName)) return;
        initial.add(fileName);
        for (const imported of chunks.get(fileName)?.imports ?? []) visit(imported);
      };
      for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName);

      const gzipped = (fileName: string) => gzipSync(chunks.get(fileName)?.code ?? '').length;
      const initialBytes = [...initial].reduce((total, fileName) => total + gzipped(fileName), 0);
      const lazy = [...chunks.keys()].filter((fileName) => !initial.has(fileName));
      const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;

      logger.info(`\nbundle budget: initial JS ${kb(initialBytes)} gzipped of ${kb(maxInitialGzipBytes)} (${[...initial].join(', ')})`);
      for (const fileName of lazy) logger.info(`bundle budget: lazy ${fileName} ${kb(gzipped(fileName))} gzipped (not initial)`);
      if (initialBytes > maxInitialGzipBytes) {
        this.error(`bundle budget exceeded: initial JS is ${kb(initialBytes)} gzipped, the budget is ${kb(maxInitialGzipBytes)}.`);
      }
    },
  };
}
