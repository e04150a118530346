// Runs the provider sandboxes (providers/*/sandbox.ts: Tencent SMS gateway, SMTP sink, ID
// two-factor gateway, DCloud face function) and the inbox page (inbox-http.ts) for local
// development: `npm run sandbox`. Tests start the same thing in-process via startSandboxes.
// Never in production: the sandboxes accept published credentials, "verify" whatever their
// magic inputs say and show every code sent on an open inbox page.
import { createServer, type Server } from 'node:http';
import { httpUrl, listen } from '../lib/listen';
import { loadConfig, type Config } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createInboxApp } from './inbox-http';
import { startSmsGateway, type SmsGateway } from '../providers/tencent-sms/sandbox';
import { startSmtpSink, type SmtpSink } from '../providers/smtp/sandbox';
import { startIdCardGateway, type IdCardGateway } from '../providers/idcard-market/sandbox';
import { startFaceFunction, type FaceFunction } from '../providers/dcloud-face/sandbox';
import { startWechatSandbox, type WechatSandbox } from '../providers/wechat-face/sandbox';
import { startAliyunFaceSandbox, type AliyunFaceSandbox } from '../providers/aliyun-face/sandbox';

export interface Sandboxes {
  sms: SmsGateway;
  smtp: SmtpSink;
  idcard: IdCardGateway;
  face: FaceFunction;
  wechat: WechatSandbox;
  aliyunFace: AliyunFaceSandbox;
  inboxUrl: string;
  close(): Promise<void>;
}

/** Port overrides; 0 picks a free port (what tests use). */
export interface SandboxPorts {
  sms?: number;
  smtp?: number;
  http?: number;
  idcard?: number;
  face?: number;
  wechat?: number;
  aliyunFace?: number;
}

export class SandboxInProductionError extends Error {
  override name = 'SandboxInProductionError';
  constructor() {
    super(
      'the provider sandboxes do not run in production (VSAGA_ENV=production): they accept published credentials and show every code on an open inbox page; point SMS_*, MAIL_*, IDCARD_* and FACE_* at the real providers instead',
    );
  }
}

export function refuseProduction(env: string | undefined): void {
  if (env === 'production') throw new SandboxInProductionError();
}

export async function startSandboxes(cfg: Config, ports: SandboxPorts = {}): Promise<Sandboxes> {
  refuseProduction(cfg.env);
  const { host } = cfg.sandbox;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    // Reverse order: the inbox reads from the other two.
    const results = await Promise.allSettled(closers.splice(0).reverse().map((c) => c()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  try {
    const sms = await startSmsGateway({ host, port: ports.sms ?? cfg.sandbox.smsPort, credentials: cfg.sandbox.smsCredentials, sdkAppIds: [cfg.sms.sdkAppId] });
    closers.push(() => sms.close());
    const smtp = await startSmtpSink({ host, port: ports.smtp ?? cfg.sandbox.smtpPort });
    closers.push(() => smtp.close());
    const idcard = await startIdCardGateway({ host, port: ports.idcard ?? cfg.sandbox.idcardPort, credentials: cfg.sandbox.idcardCredentials });
    closers.push(() => idcard.close());
    const face = await startFaceFunction({ host, port: ports.face ?? cfg.sandbox.facePort, secret: cfg.face.secret, secretHeader: cfg.face.secretHeader });
    closers.push(() => face.close());
    const wechat = await startWechatSandbox({ host, port: ports.wechat ?? cfg.sandbox.wechatPort, appid: cfg.wechat.appid, secret: cfg.wechat.secret });
    closers.push(() => wechat.close());
    const aliyunFace = await startAliyunFaceSandbox({ host, port: ports.aliyunFace ?? cfg.sandbox.aliyunFacePort, ...aliyunSandboxAccount(cfg) });
    closers.push(() => aliyunFace.close());
    const inbox = createServer(createInboxApp(sms, smtp));
    const inboxPort = await listen(inbox, ports.http ?? cfg.sandbox.httpPort, host);
    closers.push(() => closeHttp(inbox));
    return { sms, smtp, idcard, face, wechat, aliyunFace, inboxUrl: httpUrl(host, inboxPort), close: closeAll };
  } catch (err) {
    // A port already in use must not leave the other listeners running.
    await closeAll().catch(() => undefined);
    throw err;
  }
}

/** The sandbox accepts the configured Cloudauth key and scene (the sandbox's defaults outside production). */
function aliyunSandboxAccount(cfg: Config): { credentials: Record<string, string>; sceneIds: number[] } {
  const a = cfg.aliyunFace;
  return a ? { credentials: { [a.accessKeyId]: a.accessKeySecret }, sceneIds: [a.sceneId] } : { credentials: {}, sceneIds: [] };
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // The inbox page polls with keep-alive; idle browser sockets would hold close() open.
    server.closeAllConnections();
  });
}


async function main(): Promise<void> {
  // before the config is read: in production it would refuse the sandboxes' own defaults,
  // and the operator should read why nothing started rather than a list of variables
  refuseProduction(process.env.VSAGA_ENV);
  const cfg = loadConfig();
  const log = createLogger('sandbox', cfg.logLevel);
  const sandboxes = await startSandboxes(cfg);
  const { host } = cfg.sandbox;
  log.info({ url: sandboxes.sms.url, region: cfg.sms.region, sdkAppId: cfg.sms.sdkAppId }, 'Tencent SMS (SendSms 2021-01-11) sandbox listening');
  log.info({ host, port: sandboxes.smtp.port }, 'SMTP sink listening');
  log.info({ url: sandboxes.idcard.url }, 'ID two-factor (API market) sandbox listening');
  log.info({ url: sandboxes.face.url, pictures: sandboxes.face.pictureBaseUrl }, 'DCloud face function sandbox listening');
  log.info({ url: sandboxes.wechat.url, appid: cfg.wechat.appid }, 'WeChat face verification 2.0 (stable_token, getverifyid, queryverifyinfo) sandbox listening');
  log.info({ url: sandboxes.aliyunFace.url, sceneId: cfg.aliyunFace?.sceneId }, 'Alibaba Cloud ID Verification (Cloudauth 2019-03-07) sandbox listening');
  log.info({ url: sandboxes.inboxUrl }, 'sandbox inbox listening (developer only: shows full numbers and codes)');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'sandbox shutting down');
    // If a client holds a connection open past this, exit anyway rather than hang the terminal.
    setTimeout(() => process.exit(1), 5000).unref();
    sandboxes.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'sandbox shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    createLogger('sandbox').fatal({ err }, err instanceof SandboxInProductionError ? err.message : 'sandbox failed to start');
    process.exit(1);
  });
}
