/**
 * A real browser for the control panel's tests: Debian's Chromium (`/usr/bin/chromium`, the
 * `chromium` package; .ci/run installs it) driven by playwright-core, which never downloads a
 * browser of its own. Each launch gets a fresh profile in a temp dir, and a fixed viewport so that
 * screenshots and layout-dependent assertions do not depend on the machine.
 *
 * Where Chromium is missing, tests skip saying why — and fail instead in CI, which must skip none.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; `TRITONOPS_CHROMIUM` names another binary (the tests' skip path is tried with it). */
export const CHROMIUM = process.env.TRITONOPS_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, and nothing that talks to Google's servers or updates itself during a test. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

/** The viewport of every page (and so of every screenshot): CSS pixels, one device pixel each. */
export const VIEWPORT = { width: 1280, height: 800 } as const;

/** Why the browser tests cannot run here, or undefined when they can; throws in CI instead. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is missing (Debian package \`chromium\`; .ci/run installs it)`;
  if (process.env.CI) throw new Error(`${why}, and CI must not skip the browser tests`);
  return why;
}

export interface Browser {
  readonly context: BrowserContext;
  /** A new tab of the browser. */
  newPage(): Promise<Page>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile; close() it (in afterAll) to stop the process. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'tritonops-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
      reducedMotion: 'reduce',
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
