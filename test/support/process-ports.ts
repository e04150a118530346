// Free ports for the service's processes started as a user starts them (npm start's
// orchestrator, the image's commands), and the settings that point each part at them: the
// API, the codec server, every sandbox and the clients that reach it, the worker's metrics.
import { freePorts } from '../../scripts/ports';

const PARTS = ['api', 'codec', 'sms', 'smtp', 'inbox', 'idcard', 'face', 'wechat', 'aliyunFace', 'workerMetrics', 'sdkMetrics'] as const;
export type ProcessPorts = Record<(typeof PARTS)[number], number>;

export function processPorts(): Promise<ProcessPorts> {
  return freePorts(...PARTS);
}

export function processPortEnv(ports: ProcessPorts): Record<string, string> {
  return {
    API_PORT: String(ports.api),
    CODEC_PORT: String(ports.codec),
    SANDBOX_SMS_PORT: String(ports.sms),
    SMS_ENDPOINT: `127.0.0.1:${ports.sms}`,
    SANDBOX_SMTP_PORT: String(ports.smtp),
    MAIL_PORT: String(ports.smtp),
    SANDBOX_HTTP_PORT: String(ports.inbox),
    SANDBOX_IDCARD_PORT: String(ports.idcard),
    IDCARD_API_BASE_URL: `http://127.0.0.1:${ports.idcard}`,
    SANDBOX_FACE_PORT: String(ports.face),
    FACE_FUNCTION_URL: `http://127.0.0.1:${ports.face}/face`,
    SANDBOX_WECHAT_PORT: String(ports.wechat),
    WECHAT_API_BASE_URL: `http://127.0.0.1:${ports.wechat}`,
    SANDBOX_ALIYUN_FACE_PORT: String(ports.aliyunFace),
    WORKER_METRICS_PORT: String(ports.workerMetrics),
    WORKER_SDK_METRICS_PORT: String(ports.sdkMetrics),
  };
}
