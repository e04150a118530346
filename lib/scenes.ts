// The code scenes of SPEC.md's table. No imports: workflows read it for the resend gap
// and the code lifetime; activities read it for the daily cap.

export type Scene = 'bind_phone' | 'bind_email' | 'unbind_phone' | 'unbind_email';
export type Channel = 'sms' | 'mail';

export interface ScenePolicy {
  /** codes one address may receive per scene per day (Asia/Shanghai calendar day) */
  perDay: number;
  lifetimeSec: number;
  resendGapSec: number;
  channels: readonly Channel[];
}

export const SCENES: Record<Scene, ScenePolicy> = {
  unbind_phone: { perDay: 5, lifetimeSec: 300, resendGapSec: 60, channels: ['sms', 'mail'] },
  bind_phone: { perDay: 6, lifetimeSec: 300, resendGapSec: 60, channels: ['sms'] },
  unbind_email: { perDay: 5, lifetimeSec: 300, resendGapSec: 60, channels: ['sms', 'mail'] },
  bind_email: { perDay: 5, lifetimeSec: 300, resendGapSec: 60, channels: ['mail'] },
};

export const CODE_LENGTH = 6;
