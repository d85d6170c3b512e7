import type { ServerProcess } from '../../src/local-stack/process-handle';

export default async function globalTeardown(): Promise<void> {
  const servers = ((globalThis as Record<string, unknown>).__brflowServers ?? []) as ServerProcess[];
  await Promise.all(servers.map((s) => s.stop()));
}
