// lib/payload-codec.ts: the AES-256-GCM payload codec every Temporal payload goes through.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, createDataConverter, ENCODING } from '../../lib/payload-codec';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

const codecA = () => new AesGcmPayloadCodec({ a: keyA }, 'a');
const codecAB = () => new AesGcmPayloadCodec({ a: keyA, b: keyB }, 'b');
const codecB = () => new AesGcmPayloadCodec({ b: keyB }, 'b');

const toPayload = (v: unknown) => defaultPayloadConverter.toPayload(v);
const fromPayload = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const meta = (p: Payload, k: string) => (p.metadata?.[k] ? Buffer.from(p.metadata[k]!).toString() : undefined);

const PHONE = '13800138000';
const VALUES: unknown[] = [
  { accountId: 'acc-1', phone: PHONE, email: 'someone@example.com' },
  '张三 北京市朝阳区',
  42,
  null,
  [1, 'two', { three: 3 }],
  new Uint8Array([0, 1, 2, 255]),
  '',
  { nested: { deep: { phone: PHONE } } },
];

describe('AesGcmPayloadCodec', () => {
  it('encode → decode round-trips payloads made by the default payload converter', async () => {
    const codec = codecA();
    const payloads = VALUES.map(toPayload);
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded).toHaveLength(payloads.length);
    decoded.forEach((p, i) => {
      expect(meta(p, METADATA_ENCODING_KEY)).toBe(meta(payloads[i]!, METADATA_ENCODING_KEY));
      expect(Buffer.from(p.data ?? new Uint8Array()).equals(Buffer.from(payloads[i]!.data ?? new Uint8Array()))).toBe(true);
      expect(fromPayload(p)).toEqual(VALUES[i]);
    });
  });

  it('round-trips a payload of undefined (binary/null, no data)', async () => {
    const codec = codecA();
    const [enc] = await codec.encode([toPayload(undefined)]);
    const [dec] = await codec.decode([enc!]);
    expect(meta(dec!, METADATA_ENCODING_KEY)).toBe('binary/null');
    expect(fromPayload(dec!)).toBeUndefined();
  });

  it('round-trips a large payload', async () => {
    const codec = codecA();
    const big = { blob: 'x'.repeat(1_000_000), phone: PHONE };
    const [dec] = await codec.decode(await codec.encode([toPayload(big)]));
    expect(fromPayload(dec!)).toEqual(big);
  });

  it('the encoded payload hides the plaintext and is marked binary/encrypted with the key id', async () => {
    const codec = codecA();
    const original = toPayload({ phone: PHONE, name: '张三' });
    expect(Buffer.from(original.data!).toString()).toContain(PHONE); // sanity: the plain payload has it
    const [enc] = await codec.encode([original]);
    expect(enc).toBeDefined();
    const data = Buffer.from(enc!.data!);
    expect(data.toString('latin1')).not.toContain(PHONE);
    expect(data.toString('utf8')).not.toContain('张三');
    expect(data.includes(Buffer.from('json/plain'))).toBe(false); // the inner metadata is sealed too
    expect(meta(enc!, METADATA_ENCODING_KEY)).toBe('binary/encrypted');
    expect(ENCODING).toBe('binary/encrypted');
    expect(meta(enc!, 'encryption-key-id')).toBe('a');
    expect(Object.keys(enc!.metadata!).sort()).toEqual(['encoding', 'encryption-key-id']);
    // nonce (12) + at least the tag (16)
    expect(data.length).toBeGreaterThanOrEqual(12 + 16 + 1);
  });

  it('two encodings of the same payload differ (fresh nonce)', async () => {
    const codec = codecA();
    const p = toPayload({ phone: PHONE });
    const [e1] = await codec.encode([p]);
    const [e2] = await codec.encode([p]);
    expect(Buffer.from(e1!.data!).equals(Buffer.from(e2!.data!))).toBe(false);
    expect(Buffer.from(e1!.data!).subarray(0, 12).equals(Buffer.from(e2!.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads that are not binary/encrypted through decode untouched', async () => {
    const codec = codecA();
    const plain = [toPayload({ phone: PHONE }), toPayload('text'), toPayload(undefined), { data: Buffer.from('raw') } as Payload];
    const out = await codec.decode(plain);
    expect(out).toHaveLength(plain.length);
    out.forEach((p, i) => expect(p).toEqual(plain[i]));
    expect(fromPayload(out[0]!)).toEqual({ phone: PHONE });
  });

  it('decodes a mixed batch of encrypted and plain payloads in order', async () => {
    const codec = codecA();
    const [enc] = await codec.encode([toPayload('secret')]);
    const out = await codec.decode([toPayload('plain-1'), enc!, toPayload('plain-2')]);
    expect(out.map(fromPayload)).toEqual(['plain-1', 'secret', 'plain-2']);
  });

  it('fails on an unknown key id, naming it', async () => {
    const [enc] = await codecA().encode([toPayload(PHONE)]);
    await expect(codecB().decode([enc!])).rejects.toThrow('unknown key id "a"');
  });

  it('fails when the key id metadata is missing', async () => {
    const [enc] = await codecA().encode([toPayload(PHONE)]);
    const stripped: Payload = { metadata: { [METADATA_ENCODING_KEY]: enc!.metadata![METADATA_ENCODING_KEY]! }, data: enc!.data };
    await expect(codecA().decode([stripped])).rejects.toThrow(/unknown key id ""/);
  });

  it('fails (does not return garbage) when the ciphertext is tampered with', async () => {
    const codec = codecA();
    const [enc] = await codec.encode([toPayload({ phone: PHONE })]);
    const data = Buffer.from(enc!.data!);
    for (const at of [0, 12, data.length - 1]) {
      const bad = Buffer.from(data);
      bad[at] = bad[at]! ^ 1;
      await expect(codec.decode([{ metadata: enc!.metadata, data: bad }])).rejects.toThrow();
    }
  });

  it('fails on garbage, truncated and empty data', async () => {
    const codec = codecA();
    const [enc] = await codec.encode([toPayload({ phone: PHONE })]);
    const data = Buffer.from(enc!.data!);
    for (const bad of [randomBytes(64), data.subarray(0, data.length - 1), data.subarray(0, 20), Buffer.alloc(0), undefined]) {
      await expect(codec.decode([{ metadata: enc!.metadata, data: bad }])).rejects.toThrow();
    }
  });

  it('the same key id with a different key fails', async () => {
    const [enc] = await codecA().encode([toPayload(PHONE)]);
    const impostor = new AesGcmPayloadCodec({ a: keyB }, 'a');
    await expect(impostor.decode([enc!])).rejects.toThrow();
  });

  it('refuses to construct when the current key id is not in the ring', () => {
    expect(() => new AesGcmPayloadCodec({ a: keyA }, 'b')).toThrow('payload key b is not configured');
  });

  describe('key rotation', () => {
    it('a ring {a, b} with current b decodes old (a) and new (b) payloads and encodes with b', async () => {
      const [old] = await codecA().encode([toPayload({ phone: PHONE })]);
      const rotated = codecAB();
      const [fresh] = await rotated.encode([toPayload('new')]);
      expect(meta(fresh!, 'encryption-key-id')).toBe('b');
      const out = await rotated.decode([old!, fresh!]);
      expect(out.map(fromPayload)).toEqual([{ phone: PHONE }, 'new']);
    });

    it('an instance without key a fails clearly on a payload sealed with a', async () => {
      const [old] = await codecA().encode([toPayload(PHONE)]);
      await expect(codecB().decode([old!])).rejects.toThrow(/unknown key id "a"/);
    });

    it('relabeling a payload sealed under b as a fails authentication', async () => {
      const rotated = codecAB();
      const [enc] = await rotated.encode([toPayload(PHONE)]);
      const relabeled: Payload = { ...enc!, metadata: { ...enc!.metadata, 'encryption-key-id': Buffer.from('a') } };
      await expect(rotated.decode([relabeled])).rejects.toThrow();
    });
  });
});

describe('createDataConverter', () => {
  it('installs exactly this codec and a failure converter that exists on disk', async () => {
    const dc = createDataConverter({ payloadKeys: { a: keyA }, payloadKeyId: 'a' });
    expect(dc.payloadCodecs).toHaveLength(1);
    const codec = dc.payloadCodecs![0]!;
    expect(codec).toBeInstanceOf(AesGcmPayloadCodec);
    const [enc] = await codec.encode([toPayload(PHONE)]);
    expect(meta(enc!, 'encryption-key-id')).toBe('a');
    expect(fromPayload((await codecA().decode([enc!]))[0]!)).toBe(PHONE);
    expect(typeof dc.failureConverterPath).toBe('string');
    expect(existsSync(dc.failureConverterPath!)).toBe(true);
  });

  it('throws for a current key id outside the ring', () => {
    expect(() => createDataConverter({ payloadKeys: { a: keyA }, payloadKeyId: 'x' })).toThrow(/x/);
  });
});
