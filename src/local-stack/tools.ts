import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root (this file lives in src/local-stack or dist/local-stack). */
export const projectRoot = resolve(__dirname, '..', '..');

export type ToolName = 'temporal' | 'moto_server' | 'pd-server' | 'tidb-server' | 'compose-check';

const INSTALL_TARGET: Record<ToolName, string> = { temporal: 'temporal', moto_server: 's3', 'pd-server': 'real-parts', 'tidb-server': 'real-parts', 'compose-check': 'compose-check' };

/**
 * Returns the path of a tool installed by scripts/install-tools.sh, installing it on first use.
 * The installer is idempotent and caches builds per machine, so this is cheap after the first call.
 */
export function ensureTool(name: ToolName): string {
  const bin = join(projectRoot, '.tools', 'bin', name);
  if (!existsSync(bin)) {
    execFileSync('bash', [join(projectRoot, 'scripts', 'install-tools.sh'), INSTALL_TARGET[name]], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  if (!existsSync(bin)) throw new Error(`tool ${name} is missing after install; see scripts/install-tools.sh`);
  return bin;
}
