// What each scene's message says, from the seed. SMS carries only template ids and
// parameters (the text lives at the gateway); mail carries the whole text.
import type { Scene } from './scenes';

export type SmsTemplateKey = Scene | 'rebind_notice';

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
};

/** Template 2133448: {1} the operation (手机号换绑 / 邮箱换绑), {2} the new contact, masked. */
export const REBIND_NOTICE_MAIL = {
  subject: '账户安全通知',
  text: (operation: string, newContactMasked: string) =>
    `尊敬的用户,您的账户已成功进行了${operation}操作,新关联的信息为:${newContactMasked}。为了您的账户安全,请确认这是您本人的操作。 ${SIGN_OFF}`,
};
