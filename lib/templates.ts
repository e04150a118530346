// What each scene's message says, from the seed. SMS carries only template ids and
// parameters (the text lives at the gateway); mail carries the whole text.
import type { ContactKind } from './contact-kinds';
import type { Scene } from './scenes';

export type SmsTemplateKey = Scene | 'rebind_notice' | 'recovery_notice' | 'password_notice';

const SIGN_OFF = '此致 系统自动发送,请勿回复。';

export const MAIL_CODE_TEMPLATES: Partial<Record<Scene, { subject: string; text: (code: string) => string }>> = {
  bind_email: {
    subject: '绑定账号邮箱请求',
    text: (code) =>
      `尊敬的用户: 您正在绑定账户邮箱。您的验证码是:${code} 请在邮箱绑定页面输入此验证码以继续操作。如果您并未请求绑定邮箱,请忽略此邮件。 ${SIGN_OFF}`,
  },
  unbind_phone: {
    subject: '手机号换绑请求',
    text: (code) =>
      `尊敬的用户: 您正在换绑账户手机号码。您的验证码是:${code} 请在邮箱换绑手机页面输入此验证码以继续操作。如果您并未请求换绑手机号,请忽略此邮件。 ${SIGN_OFF}`,
  },
  unbind_email: {
    subject: '邮箱换绑请求',
    text: (code) =>
      `尊敬的用户: 您正在请求解绑账户邮箱。您的验证码是:${code} 请在邮箱解绑页面输入此验证码以继续操作。如果您并未请求解绑邮箱,请忽略此邮件。 ${SIGN_OFF}`,
  },
  // the mail path of a password reset (seed 4/16: 邮箱重置密码页面); the wording follows the seed's other code mails
  update_password: {
    subject: '重置密码请求',
    text: (code) =>
      `尊敬的用户: 您正在重置账户密码。您的验证码是:${code} 请在密码重置页面输入此验证码以继续操作。如果您并未请求重置密码,请忽略此邮件,并检查您的账户安全。 ${SIGN_OFF}`,
  },
  // not in the seed: its wording follows the seed's other code mails
  recover_account: {
    subject: '找回账户请求',
    text: (code) =>
      `尊敬的用户: 您正在找回账户。您的验证码是:${code} 请在账户找回页面输入此验证码以继续操作。如果您并未请求找回账户,请忽略此邮件,并检查您的账户安全。 ${SIGN_OFF}`,
  },
};

/**
 * After a recovery is redeemed, to every contact the account has bound (as the seed's password
 * reset tells the user, 4/11): all sessions ended. Not in the seed's texts; its wording follows
 * the seed's security notices.
 */
/**
 * After the platform confirmed a password reset: the seed's update_password mail (4/11), with
 * 尊敬的用户 for its 尊敬的XXX (this product keeps no display name). The subject is not in the seed.
 */
export const PASSWORD_NOTICE_MAIL = {
  subject: '账户密码更新提醒',
  text: () => `尊敬的用户,您的账户密码已更新。如果这不是您本人的操作,您的账户可能已出现安全问题。如果您未进行此操作,请尽快联系我们以保护您的账户安全。 ${SIGN_OFF}`,
};

export const RECOVERY_NOTICE_MAIL = {
  subject: '账户找回提醒',
  text: () =>
    `尊敬的用户,您的账户已通过账户找回验证,所有设备的登录状态已退出。如果这不是您本人的操作,您的账户可能已出现安全问题,请尽快联系我们以保护您的账户安全。 ${SIGN_OFF}`,
};

/**
 * The rebind notice by mail (seed 4/20 #6, rebind_push): the title 【XX换绑提醒】 with XX the
 * contact rebound (手机号换绑提醒 / 邮箱换绑提醒) and the seed's mail text, its operation
 * (手机号换绑 / 邮箱换绑, as SMS template 2133448's {1}) and the new contact, masked, filled
 * in. Notices queued before this change keep the subject they were queued with (账户安全通知).
 */
export const REBIND_NOTICE_MAIL = {
  subject: { phone: '手机号换绑提醒', email: '邮箱换绑提醒' } as const satisfies Record<ContactKind, string>,
  text: (operation: string, newContactMasked: string) =>
    `尊敬的用户,您的账户已成功进行了${operation}操作,新关联的信息为: ${newContactMasked}。为了您的账户安全,我们强烈建议您确认这是您本人的操作。如果这不是您本人的操作,那么您的账户可能已存在安全问题,请尽快与我们联系!谢谢, ${SIGN_OFF}`,
};
