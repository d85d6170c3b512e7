import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TIDB_ENV } from '../../../src/cluster/tidb-config';
import { ensureTool, projectRoot } from '../../../src/local-stack/tools';
import { WORKER_ENV, workerConfigFromEnv } from '../../../src/worker/config';
import { searchAttributeCommands } from '../../../src/worker/search-attributes';
import { BRFLOW_SEARCH_ATTRIBUTES } from '../../../src/workflows/search-attributes';

const run = promisify(execFile);

interface Service { image?: string; command?: string[]; entrypoint?: string[]; environment?: Record<string, string | null>; depends_on?: Record<string, unknown> }
interface Project { services: Record<string, Service> }

/**
 * docker-compose.yml is the production deployment the README points operators at. No container engine runs
 * in CI, so it is checked as far as that allows: loaded by the compose-spec loader `docker compose config`
 * uses (schema, interpolation, references), and its wiring checked against brflow's own settings.
 */
const composeFile = join(projectRoot, 'docker-compose.yml');

async function load(file: string): Promise<Project> {
  const { stdout } = await run(ensureTool('compose-check'), [file], { timeout: 60_000, env: { ...process.env, TEMPORAL_DB_PASSWORD: 'x', TIDB_PASSWORD: 'y' } });
  return JSON.parse(stdout) as Project;
}

let project: Project;
beforeAll(async () => {
  project = await load(composeFile);
});

const script = (s: Service): string => [...(s.entrypoint ?? []), ...(s.command ?? [])].join('\n');

test('Temporal is its own server on PostgreSQL with the UI, never the dev server', () => {
  const t = project.services.temporal!;
  expect(t.image).toMatch(/^temporalio\/server:/);
  expect(t.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', POSTGRES_PWD: 'x' });
  expect(project.services.postgresql?.image).toMatch(/^postgres:/);
  expect(t.depends_on).toHaveProperty('temporal-schema');
  expect(script(project.services['temporal-schema']!)).toContain('update-schema');
  expect(project.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  for (const [name, s] of Object.entries(project.services)) expect([name, script(s)]).not.toEqual([name, expect.stringContaining('start-dev')]);
});

test('the setup job registers exactly the search attributes a restore upserts, with their types', () => {
  const setup = script(project.services['temporal-setup']!);
  const expected = searchAttributeCommands('default', BRFLOW_SEARCH_ATTRIBUTES.map((k) => k.name));
  expect(expected).toHaveLength(BRFLOW_SEARCH_ATTRIBUTES.length);
  for (const line of expected) expect(setup).toContain(line);
  expect(setup.match(/search-attribute create/g)).toHaveLength(BRFLOW_SEARCH_ATTRIBUTES.length);
});

test('the worker environment is one the worker accepts, names only variables brflow reads, and points at services of this file', () => {
  const env = Object.fromEntries(Object.entries(project.services['brflow-worker']!.environment ?? {}).map(([k, v]) => [k, v ?? '']));
  const known = new Set<string>([...Object.values(WORKER_ENV), ...Object.values(TIDB_ENV)]);
  expect(Object.keys(env).filter((k) => k.startsWith('BRFLOW_') && !known.has(k))).toEqual([]);
  const cfg = workerConfigFromEnv(env);
  const services = new Set(Object.keys(project.services));
  const host = (hostPort: string) => hostPort.split(':')[0]!;
  expect(services).toContain(host(cfg.temporalAddress));
  for (const pd of cfg.pdEndpoints) expect(services).toContain(host(pd));
  expect(services).toContain(cfg.tidb.host);
  expect(cfg.tidb.password).toBe('y');
  expect(project.services['brflow-worker']!.depends_on).toHaveProperty('temporal-setup');
});

test('the validator does fail: a dependency on a service that does not exist is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'brflow-compose-'));
  try {
    const broken = (await readFile(composeFile, 'utf8')).replace('temporal-setup: { condition: service_completed_successfully }', 'temporal-setpu: { condition: service_completed_successfully }');
    await writeFile(join(dir, 'docker-compose.yml'), broken);
    await expect(load(join(dir, 'docker-compose.yml'))).rejects.toMatchObject({ stderr: expect.stringContaining('temporal-setpu') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
