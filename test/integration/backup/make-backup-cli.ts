import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Runs the real CLI (`node bin/brflow …`, from the build) as a child process, as an operator would. */
export const REPO = join(__dirname, '..', '..', '..');

let built = false;
/** Builds dist/ once per test file: the CLI runs from the compiled output. */
export function buildOnce(): void {
  if (built) return;
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'pipe', timeout: 170_000 });
  } catch (e) {
    // tsc still emits when another module of the shared tree has a type error; only a missing CLI is fatal.
    if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw e;
  }
  built = true;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Asynchronous on purpose: when jest runs one file in band, the test shares its event loop with the servers
 * global-setup started, whose log pipes must keep draining while the CLI talks to them (a blocking spawnSync
 * would fill moto's stdout pipe and stall it).
 */
export function brflow(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'brflow'), ...args], { cwd: REPO, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Every object under a folder, as names relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}
