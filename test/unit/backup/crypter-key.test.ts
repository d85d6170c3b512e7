import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cipherFromHex, keyFileSource, readCrypterKey } from '../../../src/backup/crypter-key';
import { parseCrypterMethod } from '../../../src/plan/crypter-method';
import { ErrorType } from '../../../src/plan/error-types';
import { EncryptionMethod } from '../../../src/proto/encryptionpb';

const dir = mkdtempSync(join(tmpdir(), 'brflow-crypter-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEX32 = 'a1'.repeat(32);

test('BR method names, lower or upper case; anything else (SM4, plaintext, mixed case) is not a method', () => {
  expect(['aes128-ctr', 'AES192-CTR', 'aes256-ctr'].map(parseCrypterMethod)).toEqual(['aes128-ctr', 'aes192-ctr', 'aes256-ctr']);
  expect(['sm4-ctr', 'plaintext', 'Aes256-Ctr', 'aes256'].map(parseCrypterMethod)).toEqual([undefined, undefined, undefined, undefined]);
});

test.each([
  ['aes128-ctr', 16, EncryptionMethod.AES128_CTR],
  ['aes192-ctr', 24, EncryptionMethod.AES192_CTR],
  ['aes256-ctr', 32, EncryptionMethod.AES256_CTR],
] as const)('a %s key file holds hex text (BR --crypter.key-file), a trailing newline allowed', async (method, bytes, wire) => {
  const file = join(dir, `${method}.key`);
  writeFileSync(file, `${'0f'.repeat(bytes)}\n`);
  const c = await readCrypterKey({ method, keyFile: file });
  expect(c.method).toBe(wire);
  expect(Buffer.from(c.key).toString('hex')).toBe('0f'.repeat(bytes));
  expect(c.source).toBe(`key file ${file} (${method})`);
});

test('a key of another length, non-hex text, an empty or a missing file is WrongKey naming the file and method, never the content', async () => {
  const cases: Array<[string, RegExp]> = [
    ['ab'.repeat(16), /holds a 16-byte key; aes256-ctr takes 32 bytes \(64 hex digits\)/],
    [`zz${HEX32.slice(2)}`, /is not hex text/],
    ['abc', /is not hex text/],
    ['\n', /holds no key/],
  ];
  for (const [content, reason] of cases) {
    const file = join(dir, 'bad.key');
    writeFileSync(file, content);
    const e = await readCrypterKey({ method: 'aes256-ctr', keyFile: file }).then(() => undefined, (x: unknown) => x as Error & { type: string });
    expect(e).toMatchObject({ type: ErrorType.BackupWrongKey, message: expect.stringMatching(reason) });
    expect(e!.message).toContain(`key file ${file} (aes256-ctr)`);
    if (content.trim().length > 2) expect(e!.message).not.toContain(content.trim());
  }
  await expect(readCrypterKey({ method: 'aes128-ctr', keyFile: join(dir, 'nope.key') })).rejects.toMatchObject({
    type: ErrorType.BackupWrongKey, message: expect.stringMatching(/key file .*nope\.key \(aes128-ctr\) cannot be read on this host \(ENOENT\)/),
  });
});

test('cipherFromHex takes BR --crypter.key text as is', () => {
  expect(Buffer.from(cipherFromHex('aes256-ctr', HEX32, '--crypter.key').key).toString('hex')).toBe(HEX32);
});

test('the key source uses the plan’s key file, else the worker default, else no key', async () => {
  const a = join(dir, 'a.key');
  const b = join(dir, 'b.key');
  writeFileSync(a, '11'.repeat(16));
  writeFileSync(b, '22'.repeat(32));
  const withDefault = keyFileSource({ method: 'aes256-ctr', keyFile: b });
  expect((await withDefault({ method: 'aes128-ctr', keyFile: a }))?.source).toBe(`key file ${a} (aes128-ctr)`);
  expect((await withDefault(undefined))?.source).toBe(`key file ${b} (aes256-ctr)`);
  expect(await keyFileSource()(undefined)).toBeUndefined();
});
