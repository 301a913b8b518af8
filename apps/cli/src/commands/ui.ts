/**
 * `tritonops ui`: the control panel, a local web app over this repository's specs. It edits spec
 * files through the same validators as the commands and never talks to a cluster; see docs/ui.md.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EXIT, type Io } from '../io.ts';
import { defineCommand, UsageError } from './command.ts';

export const command = defineCommand({
  name: 'ui',
  summary: 'Open the control panel: the fleet, capacity, pipeline editor and changes in a browser',
  usage: ['ui [--port <number>] [--base <git-ref>] [--root <dir>]'],
  positionals: false,
  description: `Serves the control panel on 127.0.0.1 and prints its URL with a session token (as Jupyter
does): open it in a browser. Requests without the token, or from another origin, are refused.
The panel shows every model and pipeline by environment, GPU capacity, and what the working tree
changes against the base branch; it edits spec files (pipelines on a canvas, models in a form,
canary and promotion actions) through the same checks as \`validate\`, and writes nothing that
would not validate. It can commit the spec changes, rendered, on a new branch; it never pushes
and never talks to a cluster. Stop it with Ctrl-C. See docs/ui.md.`,
  options: {
    port: { type: 'string', value: 'number', default: '7420', description: 'Port on 127.0.0.1 (0: any free port)' },
    base: {
      type: 'string',
      value: 'git-ref',
      description: 'What the promotion gate and the Changes page compare with; default:\nthe merge base of HEAD with origin/main (or main)',
    },
  },
  exits: [
    ['interrupted', 'stopped with Ctrl-C'],
    ['usage', 'usage error, or the port is taken'],
  ],
  run: async ({ root, values }, io) => {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port needs a port number from 0 to 65535, not "${values.port}"`);
    return uiCommand({ root, port: Number(values.port), ...(values.base !== undefined ? { base: values.base } : {}) }, io);
  },
});

/** Where the built web app is (apps/ui/dist), building it first when it is missing or older than its sources. */
export async function panelAssets(io: Io): Promise<string> {
  const uiRoot = dirname(createRequire(import.meta.url).resolve('@tritonops/ui/package.json'));
  const dist = join(uiRoot, 'dist');
  const built = existsSync(join(dist, 'index.html')) ? statSync(join(dist, 'index.html')).mtimeMs : 0;
  if (built === 0 || newestSource(uiRoot) > built) {
    io.err('building the control panel (once per change of apps/ui)…');
    const { build } = await import('vite');
    await build({ root: uiRoot, configFile: join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
  }
  return dist;
}

function newestSource(uiRoot: string): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const part of ['src', 'public', 'index.html', 'vite.config.ts']) {
    const path = join(uiRoot, part);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) walk(path);
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export async function uiCommand(options: { root: string; port: number; base?: string }, io: Io): Promise<number> {
  const staticDir = await panelAssets(io);
  const { startPanel } = await import('../ui-server/server.ts');
  let panel;
  try {
    panel = await startPanel({ root: options.root, port: options.port, staticDir, ...(options.base !== undefined ? { base: options.base } : {}) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.err(`error: port ${options.port} on 127.0.0.1 is taken\n  = hint: pass another one with --port, or --port 0 for any free port`);
      return EXIT.usage;
    }
    throw error;
  }
  io.out(
    `tritonops control panel for ${options.root}\n\n    ${panel.url}\n\nOpen the URL in a browser (it holds this session's token). Ctrl-C stops the panel.`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await panel.close();
  return EXIT.ok;
}
