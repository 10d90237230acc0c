import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Which Chromium to drive: $CHROMIUM_PATH, then Debian's /usr/bin/chromium, then Playwright's own
 * download (`npx playwright install chromium` on a laptop). This project's machines cannot
 * download browsers, so Debian's package is the usual answer there. With none, the run stops
 * with one line that says how to get one.
 */
export function chromiumExecutable(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) stop(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  if (existsSync(chromium.executablePath())) return undefined; // Playwright's own
  stop('no Chromium found: install it (Debian/Ubuntu: sudo apt-get install chromium), set CHROMIUM_PATH, or run npx playwright install chromium');
}

function stop(reason: string): never {
  console.error(`e2e: ${reason}`);
  process.exit(1);
}
