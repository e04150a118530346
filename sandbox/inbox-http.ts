// Developer sandbox inbox: shows what the SMS gateway and SMTP sink received so a person
// running the demo, and the end-to-end tests, can read the codes.
//
// DEVELOPER SANDBOX ONLY. It shows full phone numbers, addresses and codes on purpose and
// has no authentication; it must never be exposed beyond loopback or pointed at real data.
import express from 'express';
import type { SmsGateway, SmsRecord } from '../providers/tencent-sms/sandbox';
import type { MailRecord, SmtpSink } from '../providers/smtp/sandbox';

/** A run of exactly six digits, the shape of every code this service sends. */
const CODE_RE = /(?<!\d)\d{6}(?!\d)/;

export function createInboxApp(sms: SmsGateway, mail: SmtpSink): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const smsFor = (phone: string | undefined): SmsRecord[] => newestFirst(phone ? sms.forPhone(phone) : sms.messages());
  const mailFor = (to: string | undefined): MailRecord[] => newestFirst(to ? mail.forRecipient(to) : mail.messages());

  app.get('/api/sms', (req, res) => {
    res.json(smsFor(queryString(req.query.phone)));
  });
  app.get('/api/mail', (req, res) => {
    res.json(mailFor(queryString(req.query.to)));
  });
  app.delete('/api/sms', (_req, res) => {
    sms.clear();
    res.status(204).end();
  });
  app.delete('/api/mail', (_req, res) => {
    mail.clear();
    res.status(204).end();
  });

  app.get('/api/sms/latest-code', (req, res) => {
    const phone = queryString(req.query.phone);
    if (!phone) return void sendError(res, 400, 'INVALID_REQUEST', 'query parameter "phone" is required');
    latestCode(res, smsFor(phone)[0], `no SMS with a 6-digit code for ${phone}`);
  });
  app.get('/api/mail/latest-code', (req, res) => {
    const to = queryString(req.query.to);
    if (!to) return void sendError(res, 400, 'INVALID_REQUEST', 'query parameter "to" is required');
    latestCode(res, mailFor(to)[0], `no mail with a 6-digit code for ${to}`);
  });

  app.get('/', (_req, res) => {
    res.type('html').send(PAGE);
  });

  app.use((_req: express.Request, res: express.Response) => {
    sendError(res, 404, 'NOT_FOUND', 'no such route');
  });

  return app;
}

function latestCode(res: express.Response, newest: SmsRecord | MailRecord | undefined, notFound: string): void {
  const code = newest ? CODE_RE.exec(newest.text)?.[0] : undefined;
  if (!newest || !code) return sendError(res, 404, 'NOT_FOUND', notFound);
  res.json({ code, receivedAt: newest.receivedAt, text: newest.text });
}

function sendError(res: express.Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function queryString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function newestFirst<T extends { receivedAt: string }>(items: T[]): T[] {
  // Records are appended in arrival order; reversing keeps ties (same millisecond) correct.
  return [...items].reverse();
}

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>沙箱收件箱 · Sandbox inbox</title>
<style>
  body { font: 14px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f6f7f9; color: #1d2129; }
  header { padding: 12px 20px; background: #1d2129; color: #fff; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; }
  header small { color: #c9cdd4; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  h2 { font-size: 15px; margin: 0 0 8px; display: flex; justify-content: space-between; align-items: center; }
  button { font: inherit; font-size: 12px; padding: 2px 10px; cursor: pointer; }
  .item { border-top: 1px solid #e5e6eb; padding: 8px 0; }
  .meta { color: #86909c; font-size: 12px; }
  .code { font: 600 16px ui-monospace, monospace; color: #165dff; margin-left: 6px; }
  .text { white-space: pre-wrap; word-break: break-word; }
  .empty { color: #86909c; }
</style>
</head>
<body>
<header>
  <h1>沙箱收件箱 / Sandbox inbox</h1>
  <small>仅供开发使用，显示完整号码与验证码 · Developer sandbox only: full numbers and codes are shown. 每 3 秒刷新 · refreshes every 3 s</small>
</header>
<main>
  <section><h2>短信 / SMS <button data-clear="sms">清空 / Clear</button></h2><div id="sms"></div></section>
  <section><h2>邮件 / Mail <button data-clear="mail">清空 / Clear</button></h2><div id="mail"></div></section>
</main>
<script>
(function () {
  var CODE = /(^|[^0-9])([0-9]{6})(?![0-9])/;
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function time(iso) { return new Date(iso).toLocaleString(); }
  function render(id, items, describe) {
    var box = document.getElementById(id);
    box.replaceChildren();
    if (!items.length) { box.appendChild(el('div', 'empty', '暂无 / Nothing yet')); return; }
    items.forEach(function (it) {
      var d = describe(it), row = el('div', 'item'), head = el('div');
      head.appendChild(el('strong', null, d.title));
      var m = CODE.exec(it.text); if (m) head.appendChild(el('span', 'code', m[2]));
      row.appendChild(head);
      row.appendChild(el('div', 'meta', d.meta));
      row.appendChild(el('div', 'text', it.text));
      box.appendChild(row);
    });
  }
  function refresh() {
    fetch('api/sms').then(function (r) { return r.json(); }).then(function (items) {
      render('sms', items, function (s) { return { title: s.phone, meta: time(s.receivedAt) + ' · 模板 / template ' + s.templateId + ' · ' + s.serialNo }; });
    }).catch(function () {});
    fetch('api/mail').then(function (r) { return r.json(); }).then(function (items) {
      render('mail', items, function (m) { return { title: m.to.join(', ') + ' — ' + m.subject, meta: time(m.receivedAt) + ' · 发件人 / from ' + m.from }; });
    }).catch(function () {});
  }
  document.querySelectorAll('button[data-clear]').forEach(function (b) {
    b.addEventListener('click', function () { fetch('api/' + b.getAttribute('data-clear'), { method: 'DELETE' }).then(refresh); });
  });
  refresh();
  setInterval(refresh, 3000);
})();
</script>
</body>
</html>
`;
