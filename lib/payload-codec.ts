// Every payload Temporal stores (workflow inputs, results, signals, updates, activity
// arguments, failures) is sealed with AES-256-GCM before it leaves our processes. The
// key id travels in the payload's metadata so old histories stay readable after a
// key rotation; only the worker, the API and the codec server hold the keys.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, type DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: Record<string, string>,
    private readonly currentKeyId: string,
  ) {
    this.keys = new Map(Object.entries(keys).map(([kid, k]) => [kid, Buffer.from(k, 'base64')]));
    if (!this.keys.has(currentKeyId)) throw new Error(`payload key ${currentKeyId} is not configured`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentKeyId)!;
    return payloads.map((p) => {
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCODING),
          [KEY_ID]: Buffer.from(this.currentKeyId),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCODING) return p;
      const kidRaw = p.metadata?.[KEY_ID];
      const kid = kidRaw ? Buffer.from(kidRaw).toString() : '';
      const key = this.keys.get(kid);
      if (!key) throw new Error(`payload sealed with unknown key id "${kid}"`);
      const data = Buffer.from(p.data ?? new Uint8Array());
      if (data.length < 12 + 16) throw new Error('encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12), { authTagLength: 16 });
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

export function createDataConverter(cfg: { payloadKeys: Record<string, string>; payloadKeyId: string }): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec(cfg.payloadKeys, cfg.payloadKeyId)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
