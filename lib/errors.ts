// One catalogue of error codes for API, activities and workflows alike, and the one path a
// failure takes through them. The code is the stable contract: it travels as an
// ApplicationFailure's type through Temporal and is recorded in histories, so codes,
// retryability and details never change for a code already in use (the webhook attempt
// failures, uncatalogued before, gained { attempt, error } for their message; nothing reads
// them); messages are not compared on replay. zh is the seed's wording shown to end users;
// en is for integrators and logs.
//
// The seed's own texts (issue 12; test/unit/seed-texts.test.ts holds the table with each
// text's date and item in seeds/000_*.txt): zh is the seed's answer verbatim, its prefix
// included (绑定失败:, 换绑失败:, 短信发送失败:, …). One code, one text: where the seed words
// one check differently by step (the code send vs. the submit), the text is the one of the
// step where the product raises that code, i.e. where the user meets it — PHONE_TAKEN and
// EMAIL_TAKEN are checked when the code is requested (短信/邮件发送失败:…), the commit's
// re-check is only a lost race; REBIND_EMAIL_TAKEN keeps the rebind's own wording. No details
// field picks a prefix: details of a code in use never change and runs recorded before would
// render without it. The seed's `<br>` is "\n" here (a JSON "\n"): a client shows it as a line
// break, as the seed's page did.
//
//   failure(code, details, { retryable })  an activity or workflow refuses (ApplicationFailure:
//                                          type = code, message = en text filled, details = [details])
//   errorOf(err)                           what a flow got back from an activity or child, as
//                                          { code, message, details? } (no code: SERVICE_UNAVAILABLE)
//   flowError(code, details)               an error a flow reports in its state or result
//   messageOf(code, lang, details)         the text, its {placeholders} filled by fillPlaceholders
//
// Which text a flow keeps: flows keep { code, message, details? } because their state and
// results are read as they are (the Temporal UI, workflow tests, results of runs recorded
// long ago), and that message is always messageOf(code, 'zh', details): the
// seed's wording, the API's default language, what real-name and face-check results carried
// from the start. Bind and rebind used to keep the ApplicationFailure's English message; they
// keep zh now too (and the error's details, like the others), so one flow kind no longer
// reads differently from another. The stored text is a default only: the API renders every error it answers with, flow states and results
// included (http/errors.ts localized), again from code and details in the caller's
// Accept-Language, so an English caller reads English and a run recorded before this change
// reads like a new one. A code that is not catalogued is a bug (test/unit/errors.test.ts scans
// the source for them).
//
// The only import is the Temporal SDK's common package, which the workflow SDK re-exports and
// which does no I/O, so workflow code may use this file too.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/common';

/**
 * Where the app should send the user (seed 4/24: the pre-check errors return jump=login /
 * jump=phone; 4/30: an unsafe environment, jump=security). The API puts it beside the error's
 * code (http/errors.ts); it is the code's, so it never enters a flow's history.
 */
export type Jump = 'login' | 'phone' | 'security';

export const ERRORS = {
  // request shape and access
  INVALID_INPUT: { status: 400, zh: '处理失败:传递的参数异常', en: 'The request is malformed or a field is invalid' },
  MISSING_PARAMETERS: { status: 400, zh: '绑定失败:核心参数缺失', en: 'Required parameters are missing' },
  UNAUTHENTICATED: { status: 401, zh: '请登录后再操作', en: 'A valid API key is required' },
  FORBIDDEN: { status: 403, zh: '无权执行该操作', en: 'This API key lacks the scope for this action' },
  NOT_FOUND: { status: 404, zh: '请求的资源不存在', en: 'No such resource' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such route' },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '请求内容过大', en: 'The request body is too large' },
  HEADERS_TOO_LARGE: { status: 431, zh: '请求头过大', en: 'The request line or headers are too large' },
  REQUEST_TIMEOUT: { status: 408, zh: '请求超时', en: 'The request was not received in time' },
  EXPECTATION_FAILED: { status: 417, zh: '不支持的 Expect 请求头', en: 'Only "Expect: 100-continue" is supported' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '请求格式不支持', en: 'Send application/json' },
  INTERNAL: { status: 500, zh: '系统繁忙,请稍后再试', en: 'Internal error' },
  SERVICE_UNAVAILABLE: { status: 503, zh: '服务暂不可用,请稍后再试', en: 'A dependency is unavailable; try again later' },

  // accounts
  ACCOUNT_NOT_FOUND: { status: 404, zh: '账户不存在', en: 'No account with this id' },

  // contacts
  INVALID_PHONE: { status: 400, zh: '绑定失败:请输入正确的手机号\n注:目前仅支持国内手机号码段', en: 'Enter a valid mainland China mobile number' },
  INVALID_EMAIL: { status: 400, zh: '绑定失败:请输入正确有效的邮箱账户', en: 'Enter a valid email address' },
  PHONE_ALREADY_BOUND: { status: 409, zh: '短信发送失败:账户已绑定手机号', en: 'The account already has a phone number; rebind it instead' },
  EMAIL_ALREADY_BOUND: { status: 409, zh: '绑定失败:账户已绑定过邮箱账户', en: 'The account already has an email; rebind it instead' },
  PHONE_TAKEN: { status: 409, zh: '短信发送失败:手机号已绑定其他账户', en: 'This phone number belongs to another account' },
  EMAIL_TAKEN: { status: 409, zh: '邮件发送失败:邮箱已绑定其他账户', en: 'This email belongs to another account' },
  PHONE_NOT_BOUND: { status: 409, zh: '换绑失败:账户未绑定过手机号', en: 'The account has no phone number' },
  EMAIL_NOT_BOUND: { status: 409, zh: '换绑失败:账户未绑定过手机号/邮箱', en: 'The account has no email' },
  CONTACT_CHANGED: { status: 409, zh: '账户信息已变更,请重新操作', en: 'The account changed while this flow ran; start again' },
  REBIND_EMAIL_TAKEN: { status: 409, zh: '绑定失败:邮箱账户已绑定过账户', en: 'This email belongs to an account already' },
  SAME_CONTACT: { status: 409, zh: '新旧联系方式不能相同', en: 'The new contact is the one already bound' },
  NEW_CONTACT_LIMIT: { status: 429, zh: '更换的新联系方式过多,请重新发起操作', en: 'This proof was used for {limit} different new contacts already; start a new rebind' },
  UNBIND_TOKEN_INVALID: { status: 403, zh: '绑定失败:解绑令牌无效', en: 'The unbind token is missing, wrong or expired' },
  PROOF_NOT_DONE: { status: 409, zh: '请先完成身份验证', en: 'Prove control of the current contact first' },
  PROOF_METHOD_MISMATCH: { status: 409, zh: '验证方式不匹配', en: 'This step belongs to another proof method than the flow was started with' },
  REAL_NAME_REQUIRED: { status: 409, zh: '账户未完成实名认证', en: 'The face method needs a real-name verified account' },
  // the account state the platform sets and the face scenes clear (flows/face-scene/)
  ACCOUNT_FROZEN: { status: 423, zh: '账户已冻结,请先解除冻结', en: 'The account is frozen; unfreeze it first' },
  ACCOUNT_NOT_FROZEN: { status: 409, zh: '账户未冻结,无需解除', en: 'The account is not frozen' },
  SECURITY_FLAGS_NOT_SET: { status: 409, zh: '账户当前无需重置安全', en: 'The account has no security flags to clear' },
  CANCELLATION_PENDING: { status: 409, zh: '账户注销申请已提交,请勿重复申请', en: 'A cancellation request of this account is already pending' },
  CANCELLATION_NOT_REQUESTED: { status: 409, zh: '账户未提交注销申请', en: 'The account has no pending cancellation request' },
  // account recovery (flows/recovery/)
  RECOVERY_TICKET_INVALID: { status: 403, zh: '账户找回失败:找回凭证无效或已过期,请重新查找账户', en: 'The recovery ticket is missing, wrong or expired; look the account up again' },
  RECOVERY_METHOD_UNAVAILABLE: { status: 409, zh: '账户找回失败:该账户不支持此找回方式', en: 'This account cannot be recovered by this method (no such contact bound, no real-name identity, or face off)' },
  RECOVERY_GRANT_INVALID: { status: 404, zh: '账户找回失败:找回授权无效', en: 'No recovery grant like this one' },
  RECOVERY_GRANT_USED: { status: 409, zh: '账户找回失败:找回授权已使用', en: 'This recovery grant was redeemed already' },
  RECOVERY_GRANT_EXPIRED: { status: 410, zh: '账户找回失败:找回授权已过期,请重新找回', en: 'This recovery grant expired unredeemed; recover the account again' },
  SCENE_METHOD_UNAVAILABLE: { status: 409, zh: '该场景仅支持人脸识别验证', en: 'This scene is proven by the face only (the SMS method serves unfreeze and cancellation)' },
  SCENE_PHONE_REQUIRED: { status: 409, zh: '验证失败:账户未绑定手机号', en: 'The SMS method needs a bound phone' },
  // password reset (flows/password-reset/; the seed's texts, 4/18 #14)
  PASSWORD_RESET_PARAMS_INCOMPLETE: { status: 400, zh: '密码重置参数不完整', en: 'A password reset needs its method (sms or mail) and, by mail, the email address' },
  PASSWORD_RESET_LOGIN_REQUIRED: { status: 401, zh: '请先登录后再操作!', en: 'A password reset by SMS needs a live session of the account (sessionId)', jump: 'login' },
  PASSWORD_RESET_EMAIL_MISMATCH: { status: 409, zh: '重置失败:邮箱账户与当前账户不匹配', en: 'This email is not the one bound to the account being reset' },
  // the security check (flows/security-check/, seed 4/30 #14 step 5): not in the seed's texts, worded as
  // real-name's pre-checks; every pass refusal sends the user back to the check (jump security)
  SECURITY_CHECK_LOGIN_REQUIRED: { status: 401, zh: '认证失败:请登录后再操作', en: 'A security check needs a live session of the account (sessionId)', jump: 'login' },
  SECURITY_CHECK_PHONE_REQUIRED: { status: 409, zh: '认证失败:请先绑定手机号', en: 'A security check sends its code to the bound phone: bind one first', jump: 'phone' },
  SECURITY_PASS_INVALID: { status: 403, zh: '认证失败:安全验证凭证无效,请重新验证', en: 'No security pass like this one', jump: 'security' },
  SECURITY_PASS_ACCOUNT_MISMATCH: { status: 403, zh: '认证失败:安全验证凭证不属于当前账户', en: 'This security pass was issued to another account', jump: 'security' },
  SECURITY_PASS_DEVICE_MISMATCH: { status: 403, zh: '认证失败:安全验证凭证不属于当前设备', en: 'This security pass was issued to another device', jump: 'security' },
  SECURITY_PASS_USED: { status: 409, zh: '认证失败:安全验证凭证已使用,请重新验证', en: 'This security pass was spent by another real-name run', jump: 'security' },
  SECURITY_PASS_EXPIRED: { status: 410, zh: '认证失败:安全验证已过期,请重新验证', en: 'This security pass expired unspent; run the security check again', jump: 'security' },
  SESSION_NOT_FOUND: { status: 404, zh: '会话不存在', en: 'No such session for this account' },
  PHONE_UNBIND_FORBIDDEN: { status: 409, zh: '手机号只能换绑,不能解绑', en: 'A phone number can only be rebound, never simply removed' },
  EMAIL_UNBIND_FORBIDDEN: { status: 409, zh: '邮箱只能换绑,不能单纯解绑', en: 'An email can only be rebound, never simply removed' },

  // verification codes
  CODE_INVALID_FORMAT: { status: 400, zh: '验证码格式错误', en: 'A code is 6 digits' },
  CODE_WRONG: { status: 422, zh: '验证码错误', en: 'Wrong code' },
  CODE_EXPIRED: { status: 410, zh: '验证码已过期,请重新获取', en: 'The code expired; request a new one' },
  CODE_NOT_SENT: { status: 409, zh: '请先获取验证码', en: 'No code has been sent in this flow yet' },
  CODE_ATTEMPTS_EXCEEDED: { status: 429, zh: '验证码错误次数过多,请重新发起操作', en: 'Too many wrong codes; this flow is closed' },
  CODE_TOO_SOON: { status: 429, zh: '发送过于频繁,请稍后再试', en: 'A code was sent recently; wait before asking again' },
  CODE_DAILY_LIMIT: { status: 429, zh: '今日发送次数已达上限', en: 'The daily limit of codes for this address is reached' },
  SMS_SEND_FAILED: { status: 502, zh: '短信发送失败', en: 'The SMS gateway refused the message' },
  MAIL_SEND_FAILED: { status: 502, zh: '邮件发送失败', en: 'The mail server refused the message' },

  // abuse limits (answers that could tell what other accounts hold come after a slot of these)
  CONTACT_CHECK_LIMIT: { status: 429, zh: '操作过于频繁,请稍后再试', en: 'Too many contact changes were tried for this account or from this address today' },
  REAL_NAME_START_LIMIT: { status: 429, zh: '认证过于频繁,请稍后再试', en: 'Too many real-name attempts for this account or from this address today' },
  RECOVERY_LOOKUP_LIMIT: { status: 429, zh: '账户找回:短时间内只能使用{perDay}次,超过次数自动风控拦截', en: 'Too many account lookups for this identifier or from this address today ({perDay})' },
  FACE_COMPLETION_LIMIT: { status: 429, zh: '提交过于频繁,请重新发起人脸识别', en: 'Too many completions were posted for this face check; start a new one' },

  // flows
  FLOW_IN_PROGRESS: { status: 409, zh: '操作进行中,请勿重复提交', en: 'A flow of this kind is already running for the account' },
  FLOW_NOT_FOUND: { status: 404, zh: '操作不存在或已结束', en: 'No such flow' },
  FLOW_CLOSED: { status: 410, zh: '操作已结束,请重新发起', en: 'This flow has ended' },
  FLOW_EXPIRED: { status: 410, zh: '操作已超时,请重新发起', en: 'This flow expired' },
  FLOW_CANCELLED: { status: 410, zh: '操作已取消,请重新发起', en: 'This flow was cancelled' },

  // real-name: pre-checks in their order (docs/rules.md#pre-checks), then the ID check, the face check and its completion
  REAL_NAME_DISABLED: { status: 403, zh: '实名认证功能已关闭', en: 'Real-name verification is switched off' },
  FACE_DISABLED: { status: 403, zh: '人脸识别功能已关闭', en: 'Face verification is switched off' },
  REAL_NAME_LOGIN_REQUIRED: { status: 404, zh: '认证失败:请登录后再操作', en: 'No such account; the user must sign in first', jump: 'login' },
  REAL_NAME_PHONE_REQUIRED: { status: 409, zh: '认证失败:请先绑定手机号', en: 'Bind a phone number before real-name verification', jump: 'phone' },
  REAL_NAME_ALREADY_VERIFIED: { status: 409, zh: '认证失败:当前账户已完成实名', en: 'The account is already real-name verified; its real name cannot change' },
  REAL_NAME_AGREEMENT_REQUIRED: { status: 400, zh: '请查阅并勾选页面相关协议', en: 'Accept the real-name agreement (id "real", its current version) first' },
  REAL_NAME_UNSAFE_ENVIRONMENT: { status: 403, zh: '认证失败:当前环境存在异常', en: 'The client environment is not flagged safe', jump: 'security' },
  FACE_CLIENT_UNSUPPORTED: { status: 409, zh: '认证失败:当前环境不支持本场景的人脸识别方式({providers})', en: "This device cannot run any of the scene's face providers ({providers}): an app device registers its metaInfo, a mini-program its openid", bare: { zh: '认证失败:当前环境不支持本场景的人脸识别方式', en: "This device cannot run any of the scene's face providers" } },
  FACE_METAINFO_MISSING: { status: 409, zh: '认证失败:当前环境不支持人脸识别,请在APP内操作', en: 'No face SDK metaInfo registered for this device; start from the app' },
  REAL_NAME_INVALID_NAME: { status: 400, zh: '输入错误:姓名必须为中文', en: 'The name must be 1–8 Chinese characters (a middle dot allowed)' },
  REAL_NAME_INVALID_ID: { status: 400, zh: '输入错误:身份证号码核验失败', en: 'The ID number is not a valid 18-character resident ID number' },
  REAL_NAME_SUBJECT_LIMIT: { status: 409, zh: '认证失败:身份主体最多认证 {limit} 个账户', en: 'This ID number has verified the maximum number of accounts ({limit})' },
  FACE_QUOTA_REQUIRED: { status: 402, zh: '人脸识别额度不足,需要进行订单支付', en: 'No free or purchased face check left; payment required' },
  // buying face quota (db/face-quota-orders.ts)
  FACE_ORDER_NOT_FOUND: { status: 404, zh: '订单不存在', en: 'No face quota order with this id' },
  FACE_ORDER_ALREADY_PAID: { status: 409, zh: '订单已支付', en: 'The order is paid already, by another payment' },
  FACE_ORDER_CANCELLED: { status: 409, zh: '订单已取消', en: 'The order was cancelled; create a new one' },
  FACE_ORDER_EXPIRED: { status: 409, zh: '订单已过期,请重新下单', en: 'The order expired unpaid; create a new one' },
  FACE_PAYMENT_REF_USED: { status: 409, zh: '该支付凭证已用于其他订单', en: 'This payment reference already paid another order' },
  FACE_ORDER_KEY_REUSED: { status: 409, zh: '请求重复:同一请求标识对应不同的订单', en: 'This Idempotency-Key made an order with other units' },
  PAYMENT_SIGNATURE_INVALID: { status: 401, zh: '支付回调签名无效', en: 'The payment callback is not signed with the payment secret, or is too old' },
  ID_CHECK_TOO_SOON: { status: 429, zh: '核验过于频繁,请稍后再试', en: 'An ID check was made from this IP moments ago; wait before trying again' },
  ID_CHECK_DAILY_LIMIT: { status: 429, zh: '今日身份核验次数已达上限', en: 'The daily limit of ID checks from this IP is reached' },
  ID_MISMATCH: { status: 422, zh: '核验失败:身份证信息不匹配', en: 'The name does not match the ID number' },
  ID_NO_RECORD: { status: 422, zh: '核验失败:库中无此身份信息(户口迁出/现役军人/移民/身份证不存在)', en: 'The ID authority has no record of this ID number' },
  ID_CHECK_REJECTED: { status: 400, zh: '核验失败:身份信息参数错误', en: 'The ID check provider refused the parameters' },
  ID_CHECK_UNAVAILABLE: { status: 503, zh: '核验失败:身份核验服务暂不可用,请稍后再试', en: 'The ID check provider failed; no attempt was counted against you' },
  // 如实返回 (4/27 #10, 4/29 #4): the function's own code and message, as the seed's 【Api调用失败【424】:…】
  FACE_PROVIDER_ERROR: { status: 502, zh: 'Api调用失败【{errCode}】:{errMsg}', en: 'The face verification function answered {errCode}: {errMsg}', bare: { zh: 'Api调用失败:人脸识别服务异常', en: 'The face verification function answered with an error' } },
  FACE_RESULT_PENDING: { status: 502, zh: 'Api调用失败【{errCode}】:{errMsg}', en: 'The face provider has no final result for this check ({errCode})', bare: { zh: 'Api调用失败:该certifyId用户未完成认证或认证进行中', en: 'The face provider has no final result for this check' } },
  FACE_TOKEN_INVALID: { status: 403, zh: '处理失败:令牌无效或已过期', en: 'The face client token is missing, invalid, expired or its flow has ended' },
  FACE_DEVICE_MISMATCH: { status: 403, zh: '处理失败:非法提交,设备与发起认证的设备不一致', en: 'The completion comes from another device than the one that started the check' },
  FACE_CERTIFY_MISMATCH: { status: 409, zh: '处理失败:certifyId对比异常!', en: 'The completion carries another certifyId than this check issued' },
  FACE_SDK_ERROR: { status: 422, zh: '人脸识别未完成', en: 'The face SDK reported an error (see details.errCode / errMsg)' },
  FACE_ALREADY_COMPLETED: { status: 409, zh: '处理失败:本次人脸识别已提交', en: 'A completion of this check was already accepted' },
  FACE_FAILED: { status: 422, zh: '刷脸失败:人证信息比对不一致', en: 'The face does not match the identity' },
  FACE_EXPIRED: { status: 410, zh: '处理失败:令牌无效或已过期', en: 'The face check expired before the app completed it' },

  // webhooks
  WEBHOOK_NOT_FOUND: { status: 404, zh: '回调订阅不存在', en: 'No such webhook subscriber' },
  WEBHOOK_URL_INVALID: { status: 400, zh: '回调地址无效', en: 'The webhook URL must be http(s), without credentials, and reachable (https and public in production)' },
  WEBHOOK_EVENT_TYPE_UNKNOWN: { status: 400, zh: '回调事件类型不存在', en: 'Unknown event type; use the documented types or "*"' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, zh: '回调投递记录不存在', en: 'No such webhook delivery' },
  WEBHOOK_DELIVERY_PENDING: { status: 409, zh: '回调投递进行中', en: 'This delivery is still being attempted; redeliver it once it is delivered or failed' },
  WEBHOOK_SUBSCRIBER_DISABLED: { status: 409, zh: '回调订阅已停用', en: 'The subscriber is disabled or deleted; enable it first' },
  // a delivery attempt's failure (activity to the dispatcher; never an API answer)
  WEBHOOK_ATTEMPT_FAILED: { status: 502, zh: '回调投递失败,稍后重试', en: 'Webhook attempt {attempt} failed: {error}' },
  WEBHOOK_RETRY_WINDOW_OVER: { status: 502, zh: '回调投递失败,重试时间已用完', en: 'Webhook attempt {attempt} failed: {error}; the retry window is over' },

  // redaction (docs/rules.md#redaction-and-retention)
  FACE_VERIFICATION_NOT_FOUND: { status: 404, zh: '人脸核验记录不存在', en: 'No face check with this id for this account' },
  REDACTION_FLOW_RUNNING: { status: 409, zh: '核验流程尚未结束,结束后才能删除其个人信息', en: 'A flow of this face check is still running; redact it once the flow has ended (see details.flows)' },
  // reports
  REPORT_SCENE_UNKNOWN: { status: 400, zh: '报表场景不存在', en: 'Unknown scene; see details.known for the report scenes' },
  REPORT_WINDOW_INVALID: { status: 400, zh: '时间窗口无效', en: 'The window is invalid: days is 1, 7 or 30, or from[/to] are ISO dates with from before to (see details.reason)' },
} as const satisfies Record<string, { status: number; zh: string; en: string; jump?: Jump; bare?: { zh: string; en: string } }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, s);
}

export type Lang = 'zh' | 'en';

/** The language flows keep their messages in (see the header). */
export const FLOW_LANG: Lang = 'zh';

/** An error as flows report it and the API answers it. */
export interface ErrorInfo {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** A text's {placeholders} filled from the details; a placeholder without a detail stays as it is. */
export function fillPlaceholders(text: string, details?: Record<string, unknown>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (details && Object.prototype.hasOwnProperty.call(details, k) ? String(details[k]) : m));
}

/**
 * The catalogue's text for a code in a language, e.g. 身份主体最多认证 {limit} 个账户 with limit
 * filled. A code whose text passes a provider's answer on (如实返回) has a `bare` text for the
 * details that carry none (a picture download's failure, a PROCESSING state, runs recorded
 * before): the text is filled whole or not at all.
 */
export function messageOf(code: ErrorCode, lang: Lang, details?: Record<string, unknown>): string {
  const entry: { zh: string; en: string; bare?: { zh: string; en: string } } = ERRORS[code];
  const text = fillPlaceholders(entry[lang], details);
  return entry.bare && /\{\w+\}/.test(text) ? entry.bare[lang] : text;
}

/**
 * A refusal as Temporal carries it, from an activity or a workflow (its update validators and
 * handlers): the code as the type, not retried unless `retryable` (a transient fault an
 * activity's retry policy should try again).
 */
export function failure(code: ErrorCode, details?: Record<string, unknown>, { retryable = false }: { retryable?: boolean } = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message: messageOf(code, 'en', details), nonRetryable: !retryable, details: details ? [details] : [] });
}

/** An error a flow reports: its code, the catalogue's text in FLOW_LANG, its details. */
export function flowError(code: ErrorCode, details?: Record<string, unknown>): ErrorInfo {
  return { code, message: messageOf(code, FLOW_LANG, details), ...(details ? { details } : {}) };
}

/** The first detail of a failure, when it is an object (failure() puts one there). */
export function detailsOf(f: ApplicationFailure): Record<string, unknown> | undefined {
  const d = f.details?.[0];
  return d && typeof d === 'object' ? (d as Record<string, unknown>) : undefined;
}

/**
 * What a flow got back, as its error: a catalogued failure (thrown by the flow itself, or the
 * cause of an activity's or a child workflow's failure) keeps its code and details; any other
 * activity or child failure is our outage (SERVICE_UNAVAILABLE). Anything else (a
 * cancellation, a bug) is not an error a flow reports: it is rethrown.
 */
export function errorOf(err: unknown): ErrorInfo {
  const wrapped = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure;
  const f = wrapped ? err.cause : err;
  if (f instanceof ApplicationFailure && isErrorCode(f.type)) return flowError(f.type, detailsOf(f));
  if (wrapped) return flowError('SERVICE_UNAVAILABLE');
  throw err;
}

/** errorOf as the failure a flow's handler rethrows to its caller (not retried). */
export function failureOf(err: unknown): ApplicationFailure {
  const e = errorOf(err);
  return failure(e.code as ErrorCode, e.details);
}

/** A business error that the API turns into `{ error: { code, message } }`. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    readonly details?: Record<string, unknown>,
    message?: string,
  ) {
    super(message ?? messageOf(code, 'en', details));
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
}
