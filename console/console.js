// The demo console's script (served at /console/console.js; plain browser JavaScript, no
// build, no external assets). It plays the platform (API calls with the API key), the operator
// (the face providers of each scene) and the user's app (codes read from the sandbox inbox
// through /console/inbox/…; the face provider's app side played on its sandbox through
// /console/sandbox/…, then the completion posted with the client token).
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    cfg: { temporalUiUrl: '', namespace: 'default', inboxUrl: null, apiKey: null, env: 'development' },
    accountId: null,
    phone: null, // the raw contacts this page bound (the API shows them masked)
    email: null,
    openid: null, // the mini-program user's, as wx.login → code2Session would give it (one per account)
    providers: null, // GET /v1/face-providers
    flows: new Map(), // workflowId -> { label, read: () => Promise<string> | null }
    realName: null, // { flowId, faceCheckId, certifyId, clientToken, provider, deviceId }
    rebind: { phone: {}, email: {} },
    seen: {}, // address -> receivedAt of the last code read, so a new send waits for a newer one
  };

  class ApiError extends Error {
    constructor(status, body) {
      const e = body && body.error;
      super(e ? `${e.code}: ${e.message}` : `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  // ---- API calls, each one logged on the page ----
  async function call(method, path, body, opts) {
    opts = opts || {};
    const headers = { accept: 'application/json', 'accept-language': 'en' };
    if (opts.key !== false) {
      const key = $('api-key').value.trim();
      if (!key) throw new Error('paste an API key first (top of the page)');
      headers.authorization = `Bearer ${key}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, opts.headers || {});
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* shown as text */
    }
    if (!opts.quiet) log(method, path, res.status, parsed);
    if (!res.ok) throw new ApiError(res.status, parsed);
    return parsed;
  }

  function log(method, path, status, body) {
    const li = document.createElement('li');
    const head = document.createElement('div');
    const m = document.createElement('span');
    m.className = 'm';
    m.textContent = `${method} `;
    const s = document.createElement('span');
    s.className = `s${String(status)[0]}`;
    s.textContent = ` → ${status}`;
    head.append(m, document.createTextNode(path), s);
    const pre = document.createElement('pre');
    const json = typeof body === 'string' ? body : JSON.stringify(body);
    pre.textContent = json.length > 400 ? `${json.slice(0, 400)}…` : json;
    li.append(head, pre);
    $('log').prepend(li);
  }

  function status(id, text, kind) {
    const el = $(id);
    el.textContent = text;
    el.dataset.state = kind || 'ok';
  }

  /** Runs a button's action: disables it meanwhile, shows errors in the card's status line. */
  function action(buttonId, statusId, fn) {
    $(buttonId).addEventListener('click', async () => {
      const b = $(buttonId);
      b.disabled = true;
      try {
        await fn();
      } catch (err) {
        status(statusId, err.message || String(err), 'error');
      } finally {
        b.disabled = false;
        refreshFlows().catch(() => {});
      }
    });
  }

  function needAccount() {
    if (!state.accountId) throw new Error('create an account first (step 1)');
    return state.accountId;
  }

  // ---- the sandbox inbox, through the API's dev/test proxy ----
  async function readCode(channel, address, inputId) {
    if (!state.cfg.inboxUrl) throw new Error('no sandbox inbox here: type the code the user received, then submit it');
    const path = channel === 'sms' ? `/console/inbox/sms/latest-code?phone=${encodeURIComponent(address)}` : `/console/inbox/mail/latest-code?to=${encodeURIComponent(address)}`;
    for (let i = 0; i < 40; i++) {
      try {
        const got = await call('GET', path, undefined, { quiet: i > 0 });
        if (got.receivedAt !== state.seen[address]) {
          state.seen[address] = got.receivedAt;
          $(inputId).value = got.code;
          return got.code;
        }
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 404) throw err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no new code for ${address} in the sandbox inbox`);
  }

  // ---- flows and their Temporal Web UI links ----
  function uiLink(workflowId) {
    return `${state.cfg.temporalUiUrl}/namespaces/${encodeURIComponent(state.cfg.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  }

  function track(workflowId, label, read) {
    state.flows.set(workflowId, { label, read });
    renderFlows();
  }

  function renderFlows() {
    const body = $('flows').querySelector('tbody');
    for (const [id, f] of state.flows) {
      let tr = body.querySelector(`tr[data-flow-id="${CSS.escape(id)}"]`);
      if (!tr) {
        tr = document.createElement('tr');
        tr.dataset.flowId = id;
        const idCell = document.createElement('td');
        idCell.className = 'flow-id';
        idCell.textContent = id;
        idCell.title = f.label;
        const stateCell = document.createElement('td');
        const pill = document.createElement('span');
        pill.className = 'state';
        pill.textContent = f.read ? '…' : 'child workflow';
        stateCell.append(pill);
        const linkCell = document.createElement('td');
        const a = document.createElement('a');
        a.href = uiLink(id);
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = 'Temporal UI ↗';
        a.className = 'ui-link';
        linkCell.append(a);
        tr.append(idCell, stateCell, linkCell);
        body.prepend(tr);
      }
    }
  }

  const DONE = ['bound', 'rebound', 'verified', 'success', 'recovered', 'reset'];
  async function refreshFlows() {
    await Promise.all(
      [...state.flows].map(async ([id, f]) => {
        if (!f.read) return;
        const pill = $('flows').querySelector(`tr[data-flow-id="${CSS.escape(id)}"] .state`);
        try {
          const flow = await f.read();
          const text = flow.outcome || flow.stage || '?';
          pill.textContent = text;
          pill.className = `state${DONE.includes(text) ? ' done' : ['rejected', 'expired', 'locked', 'cancelled', 'fail'].includes(text) ? ' bad' : ''}`;
        } catch (err) {
          pill.textContent = err instanceof ApiError && err.body && err.body.error ? err.body.error.code : 'unknown';
        }
      }),
    );
    await refreshAccount();
  }

  const flowState = (flowId) => () => call('GET', `/v1/flows/${encodeURIComponent(flowId)}`, undefined, { quiet: true }).then((b) => b.flow);

  async function refreshAccount() {
    if (!state.accountId) return;
    const { account } = await call('GET', `/v1/accounts/${encodeURIComponent(state.accountId)}`, undefined, { quiet: true });
    $('acc-id').textContent = account.id;
    $('acc-phone').textContent = account.phone || '–';
    $('acc-email').textContent = account.email || '–';
    $('acc-real-name').textContent = account.realNameStatus;
  }

  // ---- 1. account ----
  action('btn-create-account', 'account-status', async () => {
    const id = $('account-id').value.trim();
    const { account } = await call('POST', '/v1/accounts', { id });
    state.accountId = account.id;
    state.phone = null;
    state.email = null;
    state.openid = newOpenid();
    status('account-status', `account ${account.id} ready`);
  });

  // ---- 2 & 3. bind phone / email ----
  function bindCard(kind) {
    const channel = kind === 'phone' ? 'sms' : 'mail';
    let flowId = null;
    action(`btn-${kind}-send`, `${kind}-status`, async () => {
      const id = needAccount();
      const address = $(kind).value.trim();
      const { flow } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/${kind}/bind`, { [kind]: address, client: { fingerprint: 'demo-console' } });
      flowId = flow.flowId;
      track(flowId, `bind ${kind}`, flowState(flowId));
      status(`${kind}-status`, `code sent to ${flow.sentTo}; reading it from the sandbox inbox…`, 'wait');
      const code = await readCode(channel, address, `${kind}-code`);
      status(`${kind}-status`, `code ${code} read from the sandbox inbox: submit it`, 'wait');
    });
    action(`btn-${kind}-submit`, `${kind}-status`, async () => {
      if (!flowId) throw new Error('send a code first');
      const { result } = await call('POST', `/v1/flows/${encodeURIComponent(flowId)}/code`, { code: $(`${kind}-code`).value.trim() });
      if (result.outcome === 'bound') state[kind] = $(kind).value.trim();
      status(`${kind}-status`, `${result.outcome}: ${result.target}`, result.outcome === 'bound' ? 'ok' : 'error');
    });
  }
  bindCard('phone');
  bindCard('email');

  // ---- the user's app side of a face check, whichever flow starts it ----
  const APP_DEVICE = 'demo-app-1';
  const MINI_PROGRAM_DEVICE = 'demo-mp-1';
  const faceDeviceId = () => ($('rn-client').value === 'mini-program' ? MINI_PROGRAM_DEVICE : APP_DEVICE);

  /** Registers the device a face start names: an app (its face SDK's metaInfo) or a mini-program user (an openid). */
  async function registerFaceDevice(id) {
    const deviceId = faceDeviceId();
    const path = `/v1/accounts/${encodeURIComponent(id)}/devices/${deviceId}`;
    if (deviceId === MINI_PROGRAM_DEVICE) {
      await call('PUT', path, { openid: state.openid, platform: 'mp-weixin' });
    } else {
      // what uni.getFacialRecognitionMetaInfo() would give, plus DCloud's sandbox magic word;
      // Alibaba's sandbox ignores it (its outcome is the SubCode the scan finishes with)
      const outcome = $('rn-outcome').value;
      const metaInfo = JSON.stringify({ apdidToken: 'demo-console', bioMetaInfo: '4.1.0:2916352,0', ...(outcome === 'success' ? {} : { sandbox: outcome }) });
      await call('PUT', path, { metaInfo, platform: 'android' });
    }
    return deviceId;
  }

  /**
   * What the user's phone does once a start answered: runs the provider's SDK (played on its
   * sandbox: Alibaba's scan finished with the SubCode, WeChat's wx.requestFacialVerify with the
   * verify_ret; DCloud's outcome was set by the metaInfo), then posts the SDK's completion.
   */
  async function completeFace(face) {
    let errCode = 0;
    let errMsg = 'startFacialRecognitionVerify:ok';
    if (face.provider === 'aliyun') {
      await call('POST', '/console/sandbox/aliyun/finish', { certifyId: face.certifyId, subCode: $('rn-subcode').value });
      errMsg = 'ZIMFacade.verify:1000';
    } else if (face.provider === 'wechat') {
      const verifyRet = Number($('rn-verify-ret').value);
      await call('POST', '/console/sandbox/wechat/requestFacialVerify', { verifyId: face.certifyId, verifyRet });
      // 900xx: stopped on the phone; the mini-program reports the failure, the check keeps waiting
      if (verifyRet >= 90000) {
        errCode = verifyRet;
        errMsg = 'requestFacialVerify:fail';
      } else errMsg = 'requestFacialVerify:ok';
    }
    const { result } = await call(
      'POST',
      '/v1/face/completion',
      { deviceId: face.deviceId, certifyId: face.certifyId, errCode, errMsg },
      { key: false, headers: { 'x-face-token': face.clientToken } },
    );
    return result;
  }

  const awaiting = (face) => `awaiting the face check by ${face.provider}: certifyId ${face.certifyId.slice(0, 12)}… — complete it as the app`;

  // ---- 4. real-name ----
  action('btn-rn-start', 'rn-status', async () => {
    const id = needAccount();
    const deviceId = await registerFaceDevice(id);
    // a simulated end user's address, so the ID check's per-IP gap does not hold the demo back
    const ip = `198.51.100.${1 + Math.floor(Math.random() * 254)}`;
    const { flow } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/real-name`, {
      realName: $('rn-name').value.trim(),
      idNumber: $('rn-id').value.trim(),
      deviceId,
      environmentSafe: !$('rn-unsafe').checked,
      // the pass of a security check, spent by this start (single use)
      ...(sc.pass && $('rn-unsafe').checked ? { securityPass: sc.pass } : {}),
      // sent only when ticked: the API answers REAL_NAME_AGREEMENT_REQUIRED without it, as the seed's page does
      ...($('rn-agree').checked ? { agreement: state.cfg.realNameAgreement } : {}),
      client: { ip, fingerprint: deviceId },
    });
    sc.pass = null;
    state.realName = { ...flow, deviceId };
    track(flow.flowId, 'real-name', () => call('GET', `/v1/accounts/${encodeURIComponent(id)}/real-name/flow`, undefined, { quiet: true }).then((b) => b.flow));
    track(flow.faceCheckId, `face check (child, ${flow.provider})`, null);
    status('rn-status', awaiting(flow), 'wait');
  });
  action('btn-rn-complete', 'rn-status', async () => {
    const rn = state.realName;
    if (!rn) throw new Error('start the verification first');
    const result = await completeFace(rn);
    status('rn-status', `${result.outcome}${result.message ? ` — ${result.message}` : ''}`, result.outcome === 'verified' ? 'ok' : 'error');
    if (result.outcome) $('rn-id').value = newIdNumber();
  });

  // ---- 4b. the unsafe environment's security check (安全环境验证码) ----
  const sc = { flowId: null, pass: null };
  action('btn-sc-start', 'rn-status', async () => {
    const id = needAccount();
    if (!state.phone) throw new Error('bind the phone on this page first: the code goes there');
    // a logged-in session of this page's, as the seed's check needs a login
    const sessionId = `demo-web-${Date.now().toString(36)}`;
    await call('POST', `/v1/accounts/${encodeURIComponent(id)}/sessions`, { sessionId });
    // the pass is for this account and device: the one the next real-name start names
    const deviceId = faceDeviceId();
    const { flow } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/security-check`, { sessionId, deviceId, client: { fingerprint: deviceId } });
    sc.flowId = flow.flowId;
    track(flow.flowId, 'security check', flowState(flow.flowId));
    status('rn-status', `security code sent to ${flow.code.sentTo}; reading it from the sandbox inbox…`, 'wait');
    const code = await readCode('sms', state.phone, 'sc-code');
    status('rn-status', `code ${code} read from the inbox: submit it`, 'wait');
  });
  action('btn-sc-submit', 'rn-status', async () => {
    if (!sc.flowId) throw new Error('start the security check first');
    const { grant } = await call('POST', `/v1/flows/${encodeURIComponent(sc.flowId)}/code`, { code: $('sc-code').value.trim() });
    sc.pass = grant.grant;
    status('rn-status', `security pass valid until ${new Date(grant.grantExpiresAt).toLocaleTimeString()}: start the verification again`, 'ok');
  });

  // ---- 5 & 6. rebind phone / email ----
  function rebindCard(kind, p) {
    const r = state.rebind[kind];
    action(`btn-${p}-start`, `${p}-status`, async () => {
      const id = needAccount();
      const method = $(`${p}-method`).value;
      const proofTo = method === 'sms' ? state.phone : state.email;
      if (!proofTo) throw new Error(`bind the ${method === 'sms' ? 'phone' : 'email'} on this page first: the proof code goes there`);
      const { flow } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/${kind}/rebind`, { method, client: { fingerprint: 'demo-console' } });
      Object.assign(r, { flowId: flow.flowId, method, proofTo, token: null });
      track(flow.flowId, `rebind ${kind}`, flowState(flow.flowId));
      status(`${p}-status`, `proof code sent to ${flow.sentTo}; reading it from the sandbox inbox…`, 'wait');
      const code = await readCode(method === 'sms' ? 'sms' : 'mail', proofTo, `${p}-proof-code`);
      status(`${p}-status`, `proof code ${code} read from the inbox: submit it`, 'wait');
    });
    action(`btn-${p}-proof`, `${p}-status`, async () => {
      if (!r.flowId) throw new Error('start first');
      const { proof } = await call('POST', `/v1/flows/${encodeURIComponent(r.flowId)}/code`, { code: $(`${p}-proof-code`).value.trim() });
      r.token = proof.unbindToken;
      status(`${p}-status`, `proved: unbind token valid until ${new Date(proof.tokenExpiresAt).toLocaleTimeString()}; now the new ${kind}`, 'wait');
    });
    action(`btn-${p}-new`, `${p}-status`, async () => {
      if (!r.token) throw new Error('submit the proof code first');
      const address = $(`${p}-new`).value.trim();
      const { flow } = await call('POST', `/v1/flows/${encodeURIComponent(r.flowId)}/new-contact`, { [kind]: address, token: r.token });
      status(`${p}-status`, `code sent to ${(flow && flow.sentTo) || address}; reading it from the sandbox inbox…`, 'wait');
      const code = await readCode(kind === 'phone' ? 'sms' : 'mail', address, `${p}-new-code`);
      status(`${p}-status`, `code ${code} read from the inbox: apply`, 'wait');
    });
    action(`btn-${p}-apply`, `${p}-status`, async () => {
      if (!r.token) throw new Error('submit the proof code first');
      const { result } = await call('POST', `/v1/flows/${encodeURIComponent(r.flowId)}/new-contact/code`, { code: $(`${p}-new-code`).value.trim(), token: r.token });
      if (result.outcome === 'rebound') {
        state[kind] = $(`${p}-new`).value.trim();
        $(`${p}-new`).value = kind === 'phone' ? newPhone() : newEmail();
      }
      status(`${p}-status`, `${result.outcome}: ${result.target}`, result.outcome === 'rebound' ? 'ok' : 'error');
    });
  }
  rebindCard('phone', 'rbp');
  rebindCard('email', 'rbe');

  // ---- 7. unfreeze (a face scene; by code or by face) ----
  const uf = { flowId: null, method: null, face: null };
  action('btn-freeze', 'uf-status', async () => {
    const id = needAccount();
    const { security } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/freeze`, { reason: '风控冻结 (demo)' });
    status('uf-status', `frozen since ${new Date(security.frozen.at).toLocaleTimeString()}: other flows now answer ACCOUNT_FROZEN`, 'wait');
  });
  action('btn-uf-start', 'uf-status', async () => {
    const id = needAccount();
    const method = $('uf-method').value;
    if (method === 'sms' && !state.phone) throw new Error('bind the phone on this page first: the code goes there');
    const deviceId = method === 'face' ? await registerFaceDevice(id) : faceDeviceId();
    const { flow } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/face-scenes/unfreeze`, { deviceId, method });
    Object.assign(uf, { flowId: flow.flowId, method, face: method === 'face' ? { ...flow, deviceId } : null });
    track(flow.flowId, 'unfreeze', flowState(flow.flowId));
    if (method === 'face') return status('uf-status', awaiting(flow), 'wait');
    status('uf-status', `code sent to ${flow.code.sentTo}; reading it from the sandbox inbox…`, 'wait');
    const code = await readCode('sms', state.phone, 'uf-code');
    status('uf-status', `code ${code} read from the inbox: submit it`, 'wait');
  });
  action('btn-uf-submit', 'uf-status', async () => {
    if (!uf.flowId) throw new Error('start the unfreeze first');
    const result = uf.method === 'face' ? await completeFace(uf.face) : (await call('POST', `/v1/flows/${encodeURIComponent(uf.flowId)}/code`, { code: $('uf-code').value.trim() })).result;
    status('uf-status', `${result.outcome} — ${result.message}`, result.outcome === 'success' ? 'ok' : 'error');
  });

  // ---- 8. account recovery (no login: the platform calls on the user's behalf) ----
  const rc = { ticket: null, flowId: null, to: null, grant: null };
  action('btn-rc-lookup', 'rc-status', async () => {
    const v = $('rc-identifier').value.trim();
    const by = v.includes('@') ? { email: v } : /^\d{17}[\dXx]$/.test(v) ? { idNumber: v } : { phone: v };
    const { recovery } = await call('POST', '/v1/recovery/lookup', { ...by, client: { fingerprint: 'demo-console' } });
    const m = recovery.matches[0];
    if (!m) return status('rc-status', `${recovery.message} (no account matched)`, 'error');
    rc.ticket = m.ticket;
    status('rc-status', `found ${m.accountId}: phone ${m.phone || '–'}, email ${m.email || '–'}; methods ${m.methods.join(', ')}`, 'wait');
  });
  action('btn-rc-start', 'rc-status', async () => {
    if (!rc.ticket) throw new Error('look the account up first');
    const method = $('rc-method').value;
    rc.to = method === 'sms' ? state.phone : state.email;
    if (!rc.to) throw new Error(`bind the ${method === 'sms' ? 'phone' : 'email'} on this page first: the code goes there`);
    const { flow } = await call('POST', '/v1/recovery/flows', { ticket: rc.ticket, method, deviceId: 'demo-web-1', client: { fingerprint: 'demo-console' } });
    rc.flowId = flow.flowId;
    track(flow.flowId, 'account recovery', flowState(flow.flowId));
    status('rc-status', `code sent to ${flow.code.sentTo}; reading it from the sandbox inbox…`, 'wait');
    const code = await readCode(method === 'sms' ? 'sms' : 'mail', rc.to, 'rc-code');
    status('rc-status', `code ${code} read from the inbox: submit it`, 'wait');
  });
  action('btn-rc-submit', 'rc-status', async () => {
    if (!rc.flowId) throw new Error('start the recovery first');
    const { grant } = await call('POST', `/v1/flows/${encodeURIComponent(rc.flowId)}/code`, { code: $('rc-code').value.trim() });
    rc.grant = grant.grant;
    status('rc-status', `proved: a single-use grant valid until ${new Date(grant.grantExpiresAt).toLocaleTimeString()}; the platform redeems it`, 'wait');
  });
  action('btn-rc-redeem', 'rc-status', async () => {
    if (!rc.grant) throw new Error('submit the code first');
    const { result } = await call('POST', `/v1/recovery-grants/${encodeURIComponent(rc.grant)}/redeem`, {});
    status('rc-status', `${result.message}: ${result.sessionsEnded.length} session(s) ended, ${result.notices.length} notice(s) sent`, 'ok');
  });

  // ---- 9. password reset (the platform keeps the password; this proves the owner) ----
  const pr = { flowId: null, grant: null };
  action('btn-pr-start', 'pr-status', async () => {
    const id = needAccount();
    const method = $('pr-method').value;
    const to = method === 'sms' ? state.phone : state.email;
    if (!to) throw new Error(`bind the ${method === 'sms' ? 'phone' : 'email'} on this page first: the code goes there`);
    const body = { method, client: { fingerprint: 'demo-console' } };
    if (method === 'sms') {
      // the SMS way asks from a logged-in session: this page's own
      const sessionId = `demo-web-${Date.now().toString(36)}`;
      await call('POST', `/v1/accounts/${encodeURIComponent(id)}/sessions`, { sessionId });
      body.sessionId = sessionId;
    } else body.email = to;
    const { flow } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/password-reset`, body);
    pr.flowId = flow.flowId;
    track(flow.flowId, 'password reset', flowState(flow.flowId));
    status('pr-status', `code sent to ${flow.code.sentTo}; reading it from the sandbox inbox…`, 'wait');
    const code = await readCode(method === 'sms' ? 'sms' : 'mail', to, 'pr-code');
    status('pr-status', `code ${code} read from the inbox: submit it`, 'wait');
  });
  action('btn-pr-submit', 'pr-status', async () => {
    if (!pr.flowId) throw new Error('start the reset first');
    const { grant } = await call('POST', `/v1/flows/${encodeURIComponent(pr.flowId)}/code`, { code: $('pr-code').value.trim() });
    pr.grant = grant.grant;
    status('pr-status', `proved: a reset grant valid until ${new Date(grant.grantExpiresAt).toLocaleTimeString()}; the platform sets the password, then confirms`, 'wait');
  });
  action('btn-pr-confirm', 'pr-status', async () => {
    if (!pr.grant) throw new Error('submit the code first');
    const { result } = await call('POST', `/v1/password-reset-grants/${encodeURIComponent(pr.grant)}/confirm`, {});
    status('pr-status', `${result.message}: ${result.sessionsEnded.length} other session(s) ended, ${result.notices.length} notice(s) sent`, 'ok');
  });

  // ---- 10. redaction (an operator's erasure of the face data) ----
  async function listAttempts() {
    const id = needAccount();
    const { attempts } = await call('GET', `/v1/accounts/${encodeURIComponent(id)}/face-attempts`);
    const list = $('fa-list');
    list.replaceChildren(
      ...attempts.map((a) => {
        const li = document.createElement('li');
        li.textContent = `${a.scene} · ${a.provider}${a.failover ? ` (after ${a.failover.map((f) => `${f.provider} ${f.code}`).join(', ')})` : ''} · ${a.status} · certifyId ${a.certifyId ? `${a.certifyId.slice(0, 10)}…` : '–'}${a.redactedAt ? ' · redacted' : ''}`;
        return li;
      }),
    );
    return attempts;
  }
  action('btn-fa-list', 'fa-status', async () => {
    const attempts = await listAttempts();
    status('fa-status', `${attempts.length} face check(s)`, 'ok');
  });
  action('btn-fa-redact', 'fa-status', async () => {
    const id = needAccount();
    const { redactions } = await call('POST', `/v1/accounts/${encodeURIComponent(id)}/face-attempts/redact`, {});
    await listAttempts();
    status('fa-status', `${redactions.length} face check(s) redacted; their histories are being deleted`, 'ok');
  });

  // ---- the operator: face providers per scene ----
  const PROVIDERS = ['dcloud', 'aliyun', 'wechat'];
  const ORDER = ['fp-first', 'fp-second', 'fp-third'];

  function option(value, label, disabled) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    o.disabled = Boolean(disabled);
    return o;
  }

  function renderProviders(view) {
    const available = view.available;
    ORDER.forEach((id, i) => {
      const options = PROVIDERS.map((p) => option(p, available.includes(p) ? p : `${p} (not configured)`, !available.includes(p)));
      // the first is required, the others may be left out
      $(id).replaceChildren(...(i === 0 ? [] : [option('', '–')]), ...options);
    });
    $('fp-table').querySelector('tbody').replaceChildren(
      ...view.scenes.map((s) => {
        const tr = document.createElement('tr');
        tr.dataset.scene = s.scene;
        for (const [cls, text] of [['scene', s.scene], ['providers', s.providers.join(' → ')], ['source', s.source]]) {
          const td = document.createElement('td');
          td.className = cls;
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    pickScene();
  }

  /** The order selects show the picked scene's current order. */
  function pickScene() {
    const s = state.providers && state.providers.scenes.find((x) => x.scene === $('fp-scene').value);
    if (!s) return;
    ORDER.forEach((id, i) => ($(id).value = s.providers[i] || ''));
  }

  async function loadProviders(quiet) {
    state.providers = await call('GET', '/v1/face-providers', undefined, { quiet });
    renderProviders(state.providers);
    return state.providers;
  }
  $('fp-scene').addEventListener('change', pickScene);
  action('btn-fp-load', 'fp-status', async () => {
    const view = await loadProviders(false);
    status('fp-status', `configured: ${view.configured.default.join(' → ')}; available here: ${view.available.join(', ')}`, 'ok');
  });
  action('btn-fp-set', 'fp-status', async () => {
    const providers = ORDER.map((id) => $(id).value).filter(Boolean);
    const { scene } = await call('PUT', `/v1/face-providers/${encodeURIComponent($('fp-scene').value)}`, { providers });
    await loadProviders(true);
    status('fp-status', `${scene.scene}: ${scene.providers.join(' → ')} (operator)`, 'ok');
  });
  action('btn-fp-reset', 'fp-status', async () => {
    const { scene } = await call('DELETE', `/v1/face-providers/${encodeURIComponent($('fp-scene').value)}`);
    await loadProviders(true);
    status('fp-status', `${scene.scene}: ${scene.providers.join(' → ')} (configuration)`, 'ok');
  });

  $('btn-refresh').addEventListener('click', () => void refreshFlows().catch(() => {}));

  // ---- fresh demo inputs ----
  const rnd = (n) => Math.floor(Math.random() * n);
  function newPhone() {
    return `13${5 + rnd(5)}${String(rnd(1e8)).padStart(8, '0')}`;
  }
  /** A mini-program user's openid as WeChat shapes them: 28 letters, digits, _ and -. */
  function newOpenid() {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    return `o${Array.from({ length: 27 }, () => abc[rnd(abc.length)]).join('')}`;
  }
  function newEmail() {
    return `demo.${Date.now().toString(36)}${rnd(1000)}@example.com`;
  }
  /** A valid mainland ID number (GB 11643 checksum) outside the sandbox's magic ones (seq 600–899). */
  function newIdNumber() {
    const d = new Date(Date.UTC(1970 + rnd(30), rnd(12), 1 + rnd(28)));
    const body = `110101${d.toISOString().slice(0, 10).replace(/-/g, '')}${600 + rnd(300)}`;
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
    return body + '10X98765432'[sum % 11];
  }

  async function init() {
    $('account-id').value = `demo-${Date.now().toString(36)}`;
    $('phone').value = newPhone();
    $('email').value = newEmail();
    $('rbp-new').value = newPhone();
    $('rbe-new').value = newEmail();
    $('rn-id').value = newIdNumber();
    const cfg = await fetch('/console/config.json').then((r) => r.json());
    state.cfg = cfg;
    if (cfg.apiKey) $('api-key').value = cfg.apiKey;
    $('env').textContent = cfg.env;
    $('env').classList.toggle('production', cfg.env === 'production');
    $('ui-link').href = cfg.temporalUiUrl;
    if (cfg.inboxUrl) $('inbox-link').href = cfg.inboxUrl;
    else $('inbox-link').remove();
    // the providers' table needs a key: loaded now when the config gave one, else by "Reload"
    if ($('api-key').value) await loadProviders(true).catch((err) => status('fp-status', err.message, 'error'));
    document.body.dataset.ready = 'true';
  }
  init().catch((err) => status('account-status', `could not load /console/config.json: ${err.message}`, 'error'));
})();
