import { PLACEMENT_OPTIONS, type PolicyInfo } from '../../plan/placement-sql';
import { SqlError } from './sql-error';

/** TiDB's ErrUnknownPlacementPolicy / ErrPlacementPolicyExists numbers. */
const ER_UNKNOWN_PLACEMENT_POLICY = 8239;
const ER_PLACEMENT_POLICY_EXISTS = 8238;

/** The PlacementSettings options CREATE PLACEMENT POLICY takes, by lower-case name (= model.PolicyInfo JSON field). */
const OPTIONS = new Map(PLACEMENT_OPTIONS.map((o) => [o.field as string, o]));

/** Whether `word` is a placement option name (the parser reads `NAME = value` pairs while it is). */
export function isPlacementOption(word: string): boolean {
  return OPTIONS.has(word.toLowerCase());
}

/**
 * The placement policies of the simulated TiDB, as v8.5.3 keeps them: model.PolicyInfo with every settings field
 * (zero values included), IDs from their own allocator starting at 1 (meta mPolicyGlobalID), state public. The
 * rules are never sent to a PD (SHOW PLACEMENT would say PENDING); only the catalog's references are modelled.
 * Validation of option combinations (TiDB refuses e.g. VOTERS with PRIMARY_REGION) is not modelled.
 */
export class PlacementPolicies {
  private readonly byName = new Map<string, PolicyInfo>();
  private nextId = 1;

  /** CREATE PLACEMENT POLICY [IF NOT EXISTS]; an existing name is 8238 unless IF NOT EXISTS (then nothing changes). */
  create(name: string, settings: Record<string, string | number>, ifNotExists: boolean): boolean {
    if (this.byName.has(name.toLowerCase())) {
      if (ifNotExists) return false;
      throw new SqlError(ER_PLACEMENT_POLICY_EXISTS, `Placement policy '${name}' already exists`);
    }
    const info: PolicyInfo = {
      primary_region: '', regions: '', learners: 0, followers: 0, voters: 0, schedule: '', constraints: '', leader_constraints: '',
      learner_constraints: '', follower_constraints: '', voter_constraints: '', survival_preferences: '', id: this.nextId++, name: { O: name, L: name.toLowerCase() }, state: 5,
    };
    for (const [k, v] of Object.entries(settings)) {
      const o = OPTIONS.get(k.toLowerCase());
      if (!o) throw SqlError.unsupported(`placement option ${k}`);
      (info as Record<string, unknown>)[o.field] = o.kind === 'int' ? Number(v) : String(v);
    }
    this.byName.set(name.toLowerCase(), info);
    return true;
  }

  /** The `policy_ref_info` a `PLACEMENT POLICY = name` sets: null for DEFAULT, 8239 for an unknown name. */
  ref(name: string): { id: number; name: { O: string; L: string } } | null {
    if (name.toLowerCase() === 'default') return null;
    const p = this.byName.get(name.toLowerCase());
    if (!p) throw new SqlError(ER_UNKNOWN_PLACEMENT_POLICY, `Unknown placement policy '${name}'`);
    return { id: p.id, name: { ...p.name } };
  }

  get(name: string): PolicyInfo | undefined {
    return this.byName.get(name.toLowerCase());
  }

  all(): PolicyInfo[] {
    return [...this.byName.values()];
  }
}
