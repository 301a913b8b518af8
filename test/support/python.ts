/**
 * The Python that has what a test needs (Debian's python3-protobuf / python3-numpy, which
 * `.ci/run` installs), or why there is none: tests skip with that reason rather than fail on a
 * machine without them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/**
 * Triton's model_config.proto (../shared, present in CI) compiled for python's protobuf: what the
 * tests that read config.pbtxt with protobuf's own text-format parser need, or why they skip.
 */
export function tritonProto(sharedDir: string): { proto: string; python: string; skip?: undefined } | { skip: string } {
  const proto = join(sharedDir, 'triton/model_config.proto');
  if (!existsSync(proto)) return { skip: `needs ${proto} (present in CI, not in a user clone)` };
  if (!hasCommand('protoc')) return { skip: 'needs protoc (Debian: apt-get install protobuf-compiler)' };
  const python = findPython(['google.protobuf']);
  return 'missing' in python ? { skip: python.missing } : { proto, python: python.python };
}

/** Compiles `proto` into `model_config_pb2.py` in `dir`. */
export function compileProto(proto: string, dir: string): void {
  const compile = spawnSync('protoc', [`--proto_path=${dirname(proto)}`, `--python_out=${dir}`, proto], { encoding: 'utf8' });
  if (compile.status !== 0) throw new Error(`protoc failed: ${compile.stderr}`);
}
