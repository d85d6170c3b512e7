import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface BenchArgs {
  quick: boolean;
  strict: boolean;
  only?: string[];
  /** Folder the result files go to. */
  out: string;
  /** Internal: this process is a child doing one phase of one bench. */
  phase?: { kind: 'prepare' | 'run'; bench: string; workDir: string };
}

const FLAGS = new Set(['--quick', '--strict', '--only', '--out', '--prepare', '--run', '--work-dir']);

/**
 * Command line of bench/run.ts. Quick runs default to a temp folder so a smoke run never overwrites the
 * committed full-scale results in `resultsDir`.
 */
export function parseBenchArgs(argv: readonly string[], resultsDir: string): BenchArgs {
  for (const a of argv) if (a.startsWith('--') && !FLAGS.has(a)) throw new Error(`unknown option ${a}; use --quick, --strict, --only a,b or --out DIR`);
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const quick = argv.includes('--quick');
  const only = get('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
  const out = resolve(get('--out') ?? (quick ? join(tmpdir(), 'brflow-bench-quick') : resultsDir));
  const prepare = get('--prepare');
  const run = get('--run');
  const workDir = get('--work-dir');
  if ((prepare !== undefined || run !== undefined) && workDir === undefined) throw new Error('--prepare/--run need --work-dir');
  const bench = prepare ?? run;
  const phase = bench !== undefined && workDir !== undefined ? { kind: prepare !== undefined ? 'prepare' as const : 'run' as const, bench, workDir } : undefined;
  return { quick, strict: argv.includes('--strict'), ...(only ? { only } : {}), out, ...(phase ? { phase } : {}) };
}
