// lib/field-crypto.ts: AES-256-GCM field encryption with key ids, and the HMAC blind index.
import { createCipheriv, randomBytes } from 'node:crypto';
import { FieldCrypto } from '../../lib/field-crypto';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const indexKey = randomBytes(32).toString('base64');

const onlyA = () => new FieldCrypto({ fieldKeys: { a: keyA }, fieldKeyId: 'a', blindIndexKey: indexKey });
const ringAB = () => new FieldCrypto({ fieldKeys: { a: keyA, b: keyB }, fieldKeyId: 'b', blindIndexKey: indexKey });
const onlyB = () => new FieldCrypto({ fieldKeys: { b: keyB }, fieldKeyId: 'b', blindIndexKey: indexKey });

const AAD = 'accounts.phone';

/** base64url → bytes with the last byte flipped etc. */
function mutate(sealed: string, part: 2 | 3, at: number): string {
  const parts = sealed.split('.');
  const buf = Buffer.from(parts[part]!, 'base64url');
  buf[at] = buf[at]! ^ 0x01;
  parts[part] = buf.toString('base64url');
  return parts.join('.');
}

describe('FieldCrypto encrypt/decrypt', () => {
  it.each([
    ['a phone number', '13800138000'],
    ['an email', 'someone@example.com'],
    ['Chinese text', '张三 · 北京市朝阳区建国路88号'],
    ['emoji', '🔐✅'],
    ['the empty string', ''],
    ['a long value', 'x'.repeat(10_000)],
  ])('round-trips %s', (_label, value) => {
    const fc = onlyA();
    const sealed = fc.encrypt(value, AAD);
    expect(fc.decrypt(sealed, AAD)).toBe(value);
  });

  it('produces the documented "v1.<kid>.<nonce>.<ct+tag>" shape with a 12-byte nonce and 16-byte tag', () => {
    const sealed = onlyA().encrypt('13800138000', AAD);
    const parts = sealed.split('.');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe('a');
    expect(parts[2]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(11 + 16);
  });

  it('two encryptions of the same value differ (fresh nonce) and neither contains the plaintext', () => {
    const fc = onlyA();
    const value = '13800138000';
    const s1 = fc.encrypt(value, AAD);
    const s2 = fc.encrypt(value, AAD);
    expect(s1).not.toBe(s2);
    expect(s1.split('.')[2]).not.toBe(s2.split('.')[2]);
    expect(s1.split('.')[3]).not.toBe(s2.split('.')[3]);
    for (const s of [s1, s2]) {
      expect(s).not.toContain(value);
      expect(s).not.toContain(Buffer.from(value).toString('base64url'));
      expect(Buffer.from(s.split('.')[3]!, 'base64url').toString('latin1')).not.toContain(value);
    }
    expect(fc.decrypt(s1, AAD)).toBe(value);
    expect(fc.decrypt(s2, AAD)).toBe(value);
  });

  it('nonces do not repeat over many encryptions', () => {
    const fc = onlyA();
    const nonces = new Set(Array.from({ length: 500 }, () => fc.encrypt('v', AAD).split('.')[2]));
    expect(nonces.size).toBe(500);
  });

  it('fails with the wrong AAD (a value cannot be moved to another column)', () => {
    const fc = onlyA();
    const sealed = fc.encrypt('13800138000', 'accounts.phone');
    expect(() => fc.decrypt(sealed, 'accounts.email')).toThrow();
    expect(() => fc.decrypt(sealed, '')).toThrow();
    expect(fc.decrypt(sealed, 'accounts.phone')).toBe('13800138000');
  });

  it('fails when the ciphertext, the tag or the nonce is tampered with', () => {
    const fc = onlyA();
    const sealed = fc.encrypt('13800138000', AAD);
    const ctLen = Buffer.from(sealed.split('.')[3]!, 'base64url').length;
    expect(() => fc.decrypt(mutate(sealed, 3, 0), AAD)).toThrow(); // ciphertext byte
    expect(() => fc.decrypt(mutate(sealed, 3, ctLen - 1), AAD)).toThrow(); // tag byte
    expect(() => fc.decrypt(mutate(sealed, 2, 0), AAD)).toThrow(); // nonce byte
  });

  it('fails when the ciphertext is truncated or extended', () => {
    const fc = onlyA();
    const sealed = fc.encrypt('13800138000', AAD);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    const cut = [...parts.slice(0, 3), ct.subarray(1).toString('base64url')].join('.');
    const longer = [...parts.slice(0, 3), Buffer.concat([ct, Buffer.from([0])]).toString('base64url')].join('.');
    expect(() => fc.decrypt(cut, AAD)).toThrow();
    expect(() => fc.decrypt(longer, AAD)).toThrow();
  });

  it('rejects a value whose authentication tag is shorter than 16 bytes', () => {
    // decrypt() takes "the last 16 bytes" as the tag; a sealed part shorter than that is
    // taken whole as a (short) tag over an empty plaintext. GCM accepts 4- and 8-byte
    // tags unless told otherwise, so someone who can write the column but holds no key
    // can forge an empty value with 2^-32 work per attempt. Here we build such a value
    // with the key, to show the decryptor accepts a 4-byte tag at all.
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyA, 'base64'), nonce, { authTagLength: 4 });
    cipher.setAAD(Buffer.from(AAD));
    const ct = Buffer.concat([cipher.update('', 'utf8'), cipher.final(), cipher.getAuthTag()]);
    expect(ct).toHaveLength(4);
    const forged = `v1.a.${nonce.toString('base64url')}.${ct.toString('base64url')}`;
    expect(() => onlyA().decrypt(forged, AAD)).toThrow();
  });

  it.each([
    ['no dots', 'garbage'],
    ['wrong version', 'v2.a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['missing parts', 'v1.a.AAAAAAAAAAAAAAAA'],
    ['empty kid', 'v1..AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['empty string', ''],
  ])('rejects a malformed sealed value (%s) with a clear message', (_label, sealed) => {
    expect(() => onlyA().decrypt(sealed, AAD)).toThrow(/not a sealed field value/);
  });

  it('fails if the current key id is not in the ring, instead of encrypting with nothing', () => {
    const fc = new FieldCrypto({ fieldKeys: { a: keyA }, fieldKeyId: 'zzz', blindIndexKey: indexKey });
    expect(() => fc.encrypt('x', AAD)).toThrow(/zzz/);
  });

  it('a key id containing "." never yields an undecryptable value (config accepts any kid before the first ":")', () => {
    // loadConfig's key ring allows e.g. FIELD_KEYS="2024.1:<key>", but the sealed format
    // is split on "." — refusing such a kid up front is fine; writing values that can
    // never be decrypted again is the bug.
    let sealed: string;
    let fc: FieldCrypto;
    try {
      fc = new FieldCrypto({ fieldKeys: { '2024.1': keyA }, fieldKeyId: '2024.1', blindIndexKey: indexKey });
      sealed = fc.encrypt('13800138000', AAD);
    } catch {
      return; // refused up front: acceptable
    }
    expect(() => fc.decrypt(sealed, AAD)).not.toThrow();
    expect(fc.decrypt(sealed, AAD)).toBe('13800138000');
  });
});

describe('FieldCrypto key rotation', () => {
  it('a ring {a, b} with current b decrypts values sealed under a and under b, and seals new ones with b', () => {
    const old = onlyA().encrypt('13800138000', AAD);
    const rotated = ringAB();
    expect(rotated.decrypt(old, AAD)).toBe('13800138000');
    const fresh = rotated.encrypt('张三', AAD);
    expect(fresh.split('.')[1]).toBe('b');
    expect(rotated.decrypt(fresh, AAD)).toBe('张三');
  });

  it('an instance without key a fails clearly on a value sealed with a', () => {
    const old = onlyA().encrypt('13800138000', AAD);
    expect(() => onlyB().decrypt(old, AAD)).toThrow('field key a is not configured');
  });

  it('the same kid with a different key fails authentication rather than returning garbage', () => {
    const sealed = onlyA().encrypt('13800138000', AAD);
    const impostor = new FieldCrypto({ fieldKeys: { a: keyB }, fieldKeyId: 'a', blindIndexKey: indexKey });
    expect(() => impostor.decrypt(sealed, AAD)).toThrow();
  });

  it('rewriting the kid of a sealed value to another configured key fails', () => {
    const sealed = ringAB().encrypt('13800138000', AAD); // under b
    const relabeled = sealed.replace(/^v1\.b\./, 'v1.a.');
    expect(relabeled).not.toBe(sealed);
    expect(() => ringAB().decrypt(relabeled, AAD)).toThrow();
  });
});

describe('FieldCrypto blindIndex', () => {
  it('is deterministic (same key, same input → same 32-byte index), across instances and rotations', () => {
    const i1 = onlyA().blindIndex('phone', '13800138000');
    const i2 = ringAB().blindIndex('phone', '13800138000');
    expect(i1).toHaveLength(32);
    expect(i1.equals(i2)).toBe(true);
  });

  it('differs between values', () => {
    const fc = onlyA();
    expect(fc.blindIndex('phone', '13800138000').equals(fc.blindIndex('phone', '13800138001'))).toBe(false);
  });

  it('is domain-separated: phone and email of the same string differ', () => {
    const fc = onlyA();
    expect(fc.blindIndex('phone', 'x@y.cn').equals(fc.blindIndex('email', 'x@y.cn'))).toBe(false);
    expect(fc.blindIndex('phone', '13800138000').equals(fc.blindIndex('email', '13800138000'))).toBe(false);
  });

  it('the domain separator prevents shifting characters between domain and value', () => {
    const fc = onlyA();
    expect(fc.blindIndex('ab', 'c').equals(fc.blindIndex('a', 'bc'))).toBe(false);
  });

  it('depends on the blind-index key', () => {
    const other = new FieldCrypto({ fieldKeys: { a: keyA }, fieldKeyId: 'a', blindIndexKey: randomBytes(32).toString('base64') });
    expect(onlyA().blindIndex('phone', '13800138000').equals(other.blindIndex('phone', '13800138000'))).toBe(false);
  });

  it('does not depend on the field (encryption) keys', () => {
    const other = new FieldCrypto({ fieldKeys: { z: keyB }, fieldKeyId: 'z', blindIndexKey: indexKey });
    expect(onlyA().blindIndex('email', 'a@b.cn').equals(other.blindIndex('email', 'a@b.cn'))).toBe(true);
  });
});
