import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The project's root and the CLI's TypeScript entry, run through tsx as `brflow` would be. */
export const projectDir = join(__dirname, '../..');
export const cliEntry = join(projectDir, 'src/cli/main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `brflow` command as an operator would, in its own process, with `env` over this one's. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: projectDir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
