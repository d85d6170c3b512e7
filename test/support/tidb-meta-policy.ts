import type { PolicyInfo } from '../../src/plan/placement-sql';

/**
 * A placement policy's model.PolicyInfo as a real TiDB keeps it in its meta (what BR reads with
 * meta.ListPolicies and writes into backupmeta `policies`), read through the status API's MVCC endpoint:
 * `GET /mvcc/hex/{key}` of the meta hash `Policies`, field `Policy:{id}` (pkg/meta mPolicies/mPolicyPrefix).
 * The value is the JSON after one magic byte (meta's CurrentMagicByteVer).
 */
export async function policyInfoFromMeta(statusAddress: string, id: number): Promise<PolicyInfo> {
  const res = await fetch(`http://${statusAddress}/mvcc/hex/${policyMetaKey(id).toString('hex')}`);
  if (!res.ok) throw new Error(`GET /mvcc/hex for policy ${id}: ${res.status}`);
  const body = (await res.json()) as { value?: { info?: { writes?: { commit_ts: number; short_value?: string }[] } } };
  const writes = [...(body.value?.info?.writes ?? [])].sort((a, b) => b.commit_ts - a.commit_ts);
  const latest = writes[0]?.short_value;
  if (latest === undefined) throw new Error(`policy ${id} has no meta value in TiDB`);
  const raw = Buffer.from(latest, 'base64');
  return JSON.parse(raw.subarray(1).toString('utf8')) as PolicyInfo;
}

/** codec.EncodeBytes: groups of 8 bytes, each padded with zeros and followed by 0xFF minus the pad length. */
function encodeBytes(b: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; ; i += 8) {
    const group = b.subarray(i, i + 8);
    const pad = 8 - group.length;
    out.push(group, Buffer.alloc(pad), Buffer.from([0xff - pad]));
    if (pad > 0) break;
  }
  return Buffer.concat(out);
}

/** structure hash data key: 'm' + EncodeBytes(hash key) + uint64('h') + EncodeBytes(field). */
function policyMetaKey(id: number): Buffer {
  const flag = Buffer.alloc(8);
  flag.writeBigUInt64BE(BigInt('h'.charCodeAt(0)));
  return Buffer.concat([Buffer.from('m'), encodeBytes(Buffer.from('Policies')), flag, encodeBytes(Buffer.from(`Policy:${id}`))]);
}
