import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { BrflowError, ErrorType } from '../plan/error-types';
import { BRFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** Temporal's enum for each SearchAttributeKey type brflow uses, and the CLI's spelling of it. */
const TYPES = {
  KEYWORD: { indexed: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, cli: 'Keyword' },
  INT: { indexed: IndexedValueType.INDEXED_VALUE_TYPE_INT, cli: 'Int' },
} as const;

/** `temporal server start-dev` flags registering brflow's search attributes (a fresh dev server). */
export function searchAttributeFlags(): string[] {
  return BRFLOW_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${TYPES[k.type as keyof typeof TYPES].cli}`]);
}

export type SearchAttributesOutcome = { present: string[]; created: string[] };

/** The `temporal` CLI lines that register what is missing (what an operator without the worker's rights runs). */
export function searchAttributeCommands(namespace: string, missing: readonly string[]): string[] {
  return BRFLOW_SEARCH_ATTRIBUTES.filter((k) => missing.includes(k.name)).map(
    (k) => `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${TYPES[k.type as keyof typeof TYPES].cli}`,
  );
}

/**
 * Makes sure the namespace has every search attribute a restore upserts, before the worker polls: without
 * them each workflow task fails with BadSearchAttributes and the restore hangs with nothing said. Creates
 * the missing ones through the operator API when `create` allows and the server lets it (a dev server or a
 * self-hosted cluster; Temporal Cloud refuses); otherwise refuses to start with the exact commands to run.
 * A name registered with another type is refused too: it would fail the same way.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, opts: { create: boolean }): Promise<SearchAttributesOutcome> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = listed.customAttributes ?? {};
  const wrongType = BRFLOW_SEARCH_ATTRIBUTES.filter((k) => custom[k.name] !== undefined && custom[k.name] !== TYPES[k.type as keyof typeof TYPES].indexed);
  if (wrongType.length > 0) {
    throw new BrflowError(ErrorType.InvalidInput, `namespace ${namespace}: search attribute ${wrongType.map((k) => `${k.name} is not of type ${TYPES[k.type as keyof typeof TYPES].cli}`).join(', ')}; brflow needs it with that type (remove it with \`temporal operator search-attribute remove\` and start the worker again)`);
  }
  const present = BRFLOW_SEARCH_ATTRIBUTES.filter((k) => custom[k.name] !== undefined).map((k) => k.name);
  const missing = BRFLOW_SEARCH_ATTRIBUTES.filter((k) => custom[k.name] === undefined).map((k) => k.name);
  if (missing.length === 0) return { present, created: [] };
  const refuse = (why: string): never => {
    throw new BrflowError(ErrorType.InvalidInput, `namespace ${namespace} lacks brflow's search attributes ${missing.join(', ')} (${why}); without them every restore hangs. Register them, then start the worker again:\n  ${searchAttributeCommands(namespace, missing).join('\n  ')}`);
  };
  if (!opts.create) return refuse('BRFLOW_CREATE_SEARCH_ATTRIBUTES=false');
  const searchAttributes = Object.fromEntries(
    BRFLOW_SEARCH_ATTRIBUTES.filter((k) => missing.includes(k.name)).map((k) => [k.name, TYPES[k.type as keyof typeof TYPES].indexed]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (e) {
    return refuse(`creating them was refused: ${(e as Error).message}`);
  }
  return { present, created: missing };
}
