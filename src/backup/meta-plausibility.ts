import type { BackupMeta } from '../proto/brpb';
import { decodeBackupMeta } from './meta-decode';
import { WIRE_LEN as LEN, WIRE_VARINT as VARINT, walkTopLevelFields } from './proto-wire-walk';

/**
 * The bytes as a BackupMeta when they plausibly are one, or why they are not (ciphertext, a wrong key's output,
 * damage): how meta-reader tells a plain backupmeta from an encrypted one, and a right key from a wrong one.
 *
 * The protobuf decoder alone proves little: it skips unknown fields, skips known fields of the wrong wire type and
 * stops silently at a zero tag, so about one random byte string in four "decodes", and one in 600 also carries an
 * end_version (all the check used to ask). A real BR backupmeta is gogo-marshalled protobuf that parses field by
 * field to its last byte, and every BR version records the cluster ID and the backup TS; random bytes meet all of
 * that essentially never (test/unit/backup/meta-plausibility.test.ts).
 *
 * Checked only when present, so no real backup is refused: cluster_version and br_version (br_version is field 11,
 * added after the first BR releases), ddls (BR's writer starts it as `[]`; a nil job list marshals as `null`).
 * Not required at all: files, schemas or an index (BR's backup task flushes a backupmeta with only the header
 * fields when its filter matches nothing: "Nothing to backup").
 */
export function decodePlausibleBackupMeta(bytes: Uint8Array): { meta: BackupMeta } | { notMeta: string } {
  // The wire walk first: it rejects ciphertext before a full decode, and says where the bytes stop being protobuf.
  const wire = backupMetaWireImplausibility(bytes);
  if (wire !== undefined) return { notMeta: wire };
  let meta: BackupMeta;
  try {
    meta = decodeBackupMeta(bytes, 'it');
  } catch (e) {
    return { notMeta: e instanceof Error ? e.message : String(e) };
  }
  const fields = backupMetaFieldImplausibility(meta);
  return fields === undefined ? { meta } : { notMeta: fields };
}

/** The header fields of a decoded BackupMeta against what every BR backup records; see decodePlausibleBackupMeta. */
export function backupMetaFieldImplausibility(meta: BackupMeta): string | undefined {
  if (meta.clusterId === 0n) return 'it has no cluster_id (every BR backup records its source cluster)';
  if (meta.endVersion === 0n) return 'it has no end_version (every BR backup records its backup TS)';
  if (meta.startVersion > meta.endVersion) return `its start_version ${meta.startVersion} is after its end_version ${meta.endVersion}`;
  // Unknown small versions pass so a newer BR's backup gets "unsupported metadata version", not "encrypted".
  if (meta.version < 0 || meta.version > MAX_PLAUSIBLE_META_VERSION) return `its version ${meta.version} is no backupmeta layout version`;
  const texts: Array<[string, string, RegExp?]> = [
    // PD's cluster-version answer, stored raw: `"8.5.0"\n`.
    ['cluster_version', meta.clusterVersion, /\d+\.\d+/],
    ['br_version', meta.brVersion],
    // mysql.tidb new_collation_enabled: "True" / "False".
    ['new_collations_enabled', meta.newCollationsEnabled, /^(true|false)$/i],
  ];
  for (const [field, text, shape] of texts) {
    if (text === '') continue;
    if (!isPrintableText(text)) return `its ${field} is not text`;
    if (shape && !shape.test(text)) return `its ${field} ${JSON.stringify(text.slice(0, 40))} does not look like one`;
  }
  if (meta.ddls.length > 0 && !startsLikeJobList(meta.ddls)) return 'its ddls is not a JSON array of DDL jobs';
  return undefined;
}

/** BR's layouts are MetaV1 = 0 and MetaV2 = 1; room for a few future ones. */
const MAX_PLAUSIBLE_META_VERSION = 15;

/**
 * BackupMeta's field numbers and wire types (kvproto brpb.proto). 3 is `path`, a string in early kvproto and
 * reserved now (accepted in case an early BR wrote it); 22 is `db_maps`, which our subset leaves out.
 */
const BACKUP_META_WIRE: ReadonlyMap<number, number> = new Map([
  [1, VARINT], [2, LEN], [3, LEN], [4, LEN], [5, VARINT], [6, VARINT], [7, LEN], [8, VARINT], [9, LEN], [10, LEN],
  [11, LEN], [12, VARINT], [13, LEN], [14, LEN], [15, LEN], [16, LEN], [17, LEN], [18, VARINT], [19, LEN], [20, LEN],
  [21, VARINT], [22, LEN], [23, VARINT], [24, LEN], [25, VARINT], [26, VARINT],
]);
const HIGHEST_KNOWN_FIELD = 26;
/** Fields a newer BR may add after 26 are accepted with any proto3 wire type; field numbers grow one by one. */
const MAX_FIELD_NUMBER = 64;

/**
 * Walks the top-level fields without decoding them: each must be a BackupMeta field with its declared wire type
 * (or a plausible newer field), and the last must end exactly at the end of the bytes. Cheap, so it runs before
 * the full decode.
 */
export function backupMetaWireImplausibility(b: Uint8Array): string | undefined {
  const { stop } = walkTopLevelFields(b, (field, wire) =>
    wire === (field <= HIGHEST_KNOWN_FIELD ? BACKUP_META_WIRE.get(field) : field <= MAX_FIELD_NUMBER ? wire : undefined));
  if (!stop) return undefined;
  if (stop.why === 'tag-cut') return `its protobuf breaks off at byte ${stop.at} of ${b.length}`;
  if (stop.why === 'refused') return `byte ${stop.at} holds field ${stop.field} with wire type ${stop.wire}, which is no BackupMeta field`;
  return `field ${stop.field} at byte ${stop.at} runs past the end (${b.length} bytes)`;
}

/** UTF-8 that decoded without replacement characters and holds no control characters but tab and newlines. */
function isPrintableText(s: string): boolean {
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(s);
}

/** BR writes ddls as a JSON array (`[]` when empty); a nil job list marshals as `null`, accepted in case a BR wrote one. */
function startsLikeJobList(ddls: Uint8Array): boolean {
  for (const c of ddls) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x5b /* [ */ || c === 0x6e /* n(ull) */;
  }
  return true;
}
