/**
 * The Python that has what a test needs (Debian's python3-protobuf / python3-numpy, which
 * `.ci/run` installs), or why there is none: tests skip with that reason rather than fail on a
 * machine without them.
 */
import { spawnSync } from 'node:child_process';

export function findPython(modules: string[]): { python: string } | { missing: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
    if (probe.status === 0) return { python };
  }
  return {
    missing: `needs python3 with ${modules.join(', ')} (Debian: apt-get install ${modules.map((m) => (m === 'numpy' ? 'python3-numpy' : 'python3-protobuf')).join(' ')})`,
  };
}

export function hasCommand(command: string): boolean {
  return spawnSync(command, ['--version'], { encoding: 'utf8' }).status === 0;
}
