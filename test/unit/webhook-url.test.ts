// lib/webhook-url.ts: what a subscriber may register. In production (allowPrivate false)
// no spelling of an internal literal address gets in; elsewhere they do (local receivers).
import { webhookUrlProblem } from '../../lib/webhook-url';

describe('webhookUrlProblem', () => {
  it.each([
    'https://127.0.0.1/hook',
    'https://2130706433/hook', // WHATWG URL reads it as 127.0.0.1
    'https://0x7f.1/hook',
    'https://0177.0.0.1/hook',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook', // written back as [::ffff:7f00:1]
    'https://[64:ff9b::10.0.0.1]/hook', // NAT64 of a private address
    'https://[2002:a9fe:a9fe::1]/hook', // 6to4 of the metadata address
    'https://[fd00::2]/hook',
    'https://[fe80::1]/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/hook',
    'https://0.0.0.0/hook',
    'https://localhost/hook',
    'https://localhost./hook',
    'https://api.localhost/hook',
    'https://printer.local/hook',
    'https://intranet/hook',
  ])('production refuses %s', (url) => {
    expect(webhookUrlProblem(url, false)).toBe('private or loopback hosts are not allowed');
    expect(webhookUrlProblem(url, true)).toBeNull();
  });

  it.each(['https://hooks.example.com/a?token=x', 'https://8.8.8.8/hook', 'https://[2606:4700:4700::1111]/hook', 'https://[64:ff9b::8.8.8.8]/hook'])(
    'production accepts %s',
    (url) => expect(webhookUrlProblem(url, false)).toBeNull(),
  );

  it('production wants https; everywhere: http(s), no credentials, no fragment', () => {
    expect(webhookUrlProblem('http://hooks.example.com/', false)).toBe('https is required');
    expect(webhookUrlProblem('http://hooks.example.com/', true)).toBeNull();
    expect(webhookUrlProblem('ftp://hooks.example.com/', true)).toBe('scheme must be http or https');
    expect(webhookUrlProblem('https://u:p@hooks.example.com/', true)).toBe('credentials are not allowed in the URL');
    expect(webhookUrlProblem('https://hooks.example.com/#x', true)).toBe('fragments are not allowed');
    expect(webhookUrlProblem('not a url', true)).toBe('not a URL');
  });
});
