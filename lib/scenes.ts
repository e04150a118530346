// The code scenes (docs/rules.md#code-scenes). No imports. http/code-limits.ts turns a scene into the
// code limits a flow starts with (lifetime, resend gap, daily cap); db/reports.ts reads the
// lifetime.

export type Scene = 'bind_phone' | 'bind_email' | 'unbind_phone' | 'unbind_email' | 'recover_account' | 'unfreeze_account' | 'cancel_account' | 'update_password' | 'security_check';
export type Channel = 'sms' | 'mail';

export interface ScenePolicy {
  /** codes one address may receive per scene per day (Asia/Shanghai calendar day) */
  perDay: number;
  lifetimeSec: number;
  resendGapSec: number;
}

export const SCENES: Record<Scene, ScenePolicy> = {
  unbind_phone: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
  bind_phone: { perDay: 6, lifetimeSec: 300, resendGapSec: 60 },
  unbind_email: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
  bind_email: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
  // account recovery (找回账户) by a code to the bound phone or email, without a login
  recover_account: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
  // the face scenes' code method (冻结账户验证码 / 解除账户冻结, 注销): a code to the bound phone
  unfreeze_account: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
  cancel_account: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
  // password reset (seed 4/18 #10: 账户密码重置验证码, 6 a day, 300 s, 60 s), by SMS or mail
  update_password: { perDay: 6, lifetimeSec: 300, resendGapSec: 60 },
  // the security check (seed 4/30 #14 step 5: 安全环境验证码): an unsafe environment proven by a
  // code to the bound phone before real-name goes on; limits not in the seed, as the other codes'
  security_check: { perDay: 5, lifetimeSec: 300, resendGapSec: 60 },
};

export const CODE_LENGTH = 6;
