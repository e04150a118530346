// The face providers' names, which config, the database and the API share
// (providers/shared/face-provider.ts says what a provider does).
export const FACE_PROVIDERS = ['dcloud', 'aliyun', 'wechat'] as const;
export type FaceProviderName = (typeof FACE_PROVIDERS)[number];

export const isFaceProviderName = (s: unknown): s is FaceProviderName => typeof s === 'string' && (FACE_PROVIDERS as readonly string[]).includes(s);
