/** Runs a CLI of this repository (liuhen-inspect, liuhen-replay) as a child process and collects what it printed and its exit code. */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../../..');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** True where `unshare -n` can give a child an empty network namespace. */
export const canUnshare = (() => {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export function run(
  bin: string,
  args: readonly string[],
  options: { offline?: boolean; env?: Record<string, string> } = {},
): Promise<Run> {
  const node = [
    ...(options.offline ? ['--import', join(ROOT, 'apps/inspector/test/no-network.mjs')] : []),
    join(ROOT, bin),
    ...args,
  ];
  const [file, argv] =
    options.offline && canUnshare ? ['unshare', ['-n', process.execPath, ...node]] : [process.execPath, node];
  return new Promise((resolve) => {
    execFile(
      file as string,
      argv as string[],
      { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: 60_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
