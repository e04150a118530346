// Personal data at rest: AES-256-GCM with a fresh 96-bit nonce per value and the key
// id stored beside it (so keys can rotate), plus an HMAC blind index for the values we
// must look up or keep unique without decrypting. The AAD binds a ciphertext to its
// column, so a value cannot be moved to another column and still decrypt.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface FieldCryptoKeys {
  fieldKeys: Record<string, string>;
  fieldKeyId: string;
  blindIndexKey: string;
}

export class FieldCrypto {
  private readonly keys: Map<string, Buffer>;
  private readonly current: string;
  private readonly indexKey: Buffer;

  constructor(cfg: FieldCryptoKeys) {
    for (const kid of Object.keys(cfg.fieldKeys)) {
      if (kid.includes('.')) throw new Error(`field key id "${kid}" must not contain "."`);
    }
    this.keys = new Map(Object.entries(cfg.fieldKeys).map(([kid, k]) => [kid, Buffer.from(k, 'base64')]));
    this.current = cfg.fieldKeyId;
    this.indexKey = Buffer.from(cfg.blindIndexKey, 'base64');
  }

  /** → "v1.<kid>.<nonce b64url>.<ciphertext+tag b64url>" */
  encrypt(plaintext: string, aad: string): string {
    const key = this.keys.get(this.current);
    if (!key) throw new Error(`field key ${this.current} missing`);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${this.current}.${nonce.toString('base64url')}.${ct.toString('base64url')}`;
  }

  decrypt(sealed: string, aad: string): string {
    const [v, kid, nonceB64, ctB64] = sealed.split('.');
    if (v !== 'v1' || !kid || !nonceB64 || !ctB64) throw new Error('not a sealed field value');
    const key = this.keys.get(kid);
    if (!key) throw new Error(`field key ${kid} is not configured`);
    const data = Buffer.from(ctB64, 'base64url');
    if (data.length < 16) throw new Error('sealed value is truncated');
    // a fixed tag length, or a short tag would be accepted and forgeable
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonceB64, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  }

  /** Deterministic keyed hash of a normalized value; the domain keeps a phone and an email apart. */
  blindIndex(domain: string, normalized: string): Buffer {
    return createHmac('sha256', this.indexKey).update(`${domain}\0${normalized}`).digest();
  }
}
