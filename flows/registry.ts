// Every flow kind once. What used to be spread over flow-ids, the metrics kind list, the
// API's bind-or-rebind switches, the replay test's type list and the webhook event list is
// read from here, so a new kind is its folder plus one entry below.
//
// Pure data and tiny functions, no imports: workflows, the API, lib/ and tests may all read it.
//
//   kind          the workflow id prefix (`<kind>:<accountId>`) and the VsFlowKind attribute
//   workflowType  the exported workflow function (flows/workflows.ts), as histories record it
//   family        which flow folder drives it (bind-phone and bind-email share flows/bind/)
//   startedBy     'api': a caller starts it, GET/DELETE /v1/flows/:flowId serve it;
//                 'flow': a child of another flow, read and cancelled through its owner;
//                 'system': internal machinery (webhook delivery)
//   outcomes      what VsFlowOutcome may hold when it closes (the metrics count each)
//   events        the callback event types it records (what a webhook may subscribe to)
//   versioning    its Worker Deployment behaviour on a versioned worker (docs/operations.md,
//                 "Deploying a new version"), applied by flows/shared/versioning.ts:
//                 'PINNED'       every task on the build that started it: a flow that lives
//                                minutes to an hour, so an old build drains soon after a deploy
//                 'AUTO_UPGRADE' its next task on the current build: a flow that outlives a
//                                deploy (a dispatcher waits on events for as long as it is fed),
//                                so its changes still need patched()

interface FlowKindEntry {
  workflowType: string;
  family: 'bind' | 'rebind' | 'real-name' | 'face-check' | 'face-scene' | 'recovery' | 'password-reset' | 'security-check' | 'webhooks' | 'retention';
  startedBy: 'api' | 'flow' | 'system';
  contact?: 'phone' | 'email';
  outcomes: readonly string[];
  events: readonly string[];
  versioning: 'PINNED' | 'AUTO_UPGRADE';
}

export const FLOW_KINDS = {
  'bind-phone': { workflowType: 'bindPhone', family: 'bind', startedBy: 'api', contact: 'phone', outcomes: ['bound', 'rejected', 'expired', 'locked', 'cancelled'], events: ['phone.bound'], versioning: 'PINNED' },
  'bind-email': { workflowType: 'bindEmail', family: 'bind', startedBy: 'api', contact: 'email', outcomes: ['bound', 'rejected', 'expired', 'locked', 'cancelled'], events: ['email.bound'], versioning: 'PINNED' },
  'rebind-phone': { workflowType: 'phoneRebind', family: 'rebind', startedBy: 'api', contact: 'phone', outcomes: ['rebound', 'rejected', 'expired', 'locked', 'cancelled'], events: ['phone.rebound'], versioning: 'PINNED' },
  'rebind-email': { workflowType: 'emailRebind', family: 'rebind', startedBy: 'api', contact: 'email', outcomes: ['rebound', 'rejected', 'expired', 'locked', 'cancelled'], events: ['email.rebound'], versioning: 'PINNED' },
  'real-name': {
    workflowType: 'realName',
    family: 'real-name',
    startedBy: 'api',
    outcomes: ['verified', 'fail', 'expired', 'rejected', 'cancelled'],
    events: ['real_name.verified', 'real_name.failed', 'real_name.expired'],
    versioning: 'PINNED',
  },
  // the face scenes (flows/face-scene/): one workflow type, a kind per scene
  'reset-security': { workflowType: 'faceScene', family: 'face-scene', startedBy: 'api', outcomes: ['success', 'fail', 'expired', 'rejected', 'cancelled'], events: ['account.security_reset'], versioning: 'PINNED' },
  // unfreeze and cancellation may be proven by an SMS code too (locked: five wrong codes)
  unfreeze: { workflowType: 'faceScene', family: 'face-scene', startedBy: 'api', outcomes: ['success', 'fail', 'expired', 'rejected', 'locked', 'cancelled'], events: ['account.unfrozen'], versioning: 'PINNED' },
  cancellation: { workflowType: 'faceScene', family: 'face-scene', startedBy: 'api', outcomes: ['success', 'fail', 'expired', 'rejected', 'locked', 'cancelled'], events: ['account.cancellation_requested'], versioning: 'PINNED' },
  // account recovery (flows/recovery/): without a login, by a code or a face check
  recovery: {
    workflowType: 'accountRecovery',
    family: 'recovery',
    startedBy: 'api',
    outcomes: ['recovered', 'fail', 'expired', 'locked', 'rejected', 'cancelled'],
    events: ['account.recovery_verified', 'account.recovered'],
    versioning: 'PINNED',
  },
  // password reset (flows/password-reset/): a code, a grant, the platform's confirmation
  'password-reset': {
    workflowType: 'passwordReset',
    family: 'password-reset',
    startedBy: 'api',
    outcomes: ['reset', 'expired', 'locked', 'rejected', 'cancelled'],
    events: ['password.reset_authorized', 'password.reset'],
    versioning: 'PINNED',
  },
  // the security check (flows/security-check/): an unsafe environment proven by a code to the
  // bound phone; its security pass is spent by a real-name run
  'security-check': {
    workflowType: 'securityCheck',
    family: 'security-check',
    startedBy: 'api',
    outcomes: ['passed', 'expired', 'locked', 'rejected', 'cancelled'],
    events: ['account.security_verified'],
    versioning: 'PINNED',
  },
  'face-check': { workflowType: 'faceCheck', family: 'face-check', startedBy: 'flow', outcomes: ['success', 'fail', 'expired', 'rejected'], events: [], versioning: 'PINNED' },
  webhooks: { workflowType: 'webhookDispatcher', family: 'webhooks', startedBy: 'system', outcomes: [], events: [], versioning: 'AUTO_UPGRADE' },
  'webhooks-sweep': { workflowType: 'webhookSweep', family: 'webhooks', startedBy: 'system', outcomes: [], events: [], versioning: 'PINNED' },
  // the retention sweep (flows/retention/), started by its Schedule; the redacted event is also
  // recorded by an operator's redaction over the API (the same code, flows/retention/redact.ts)
  'retention-sweep': { workflowType: 'retentionSweep', family: 'retention', startedBy: 'system', outcomes: [], events: ['face_verification.redacted'], versioning: 'PINNED' },
} as const satisfies Record<string, FlowKindEntry>;

export type FlowKind = keyof typeof FLOW_KINDS;
/** The kinds a caller starts and GET/DELETE /v1/flows/:flowId serve. */
export type ApiFlowKind = { [K in FlowKind]: (typeof FLOW_KINDS)[K]['startedBy'] extends 'api' ? K : never }[FlowKind];

const kinds = Object.keys(FLOW_KINDS) as FlowKind[];
export const API_FLOW_KINDS = kinds.filter((k) => FLOW_KINDS[k].startedBy === 'api') as ApiFlowKind[];

/** Every callback event type a flow records, once each. */
export const EVENT_TYPES = [...new Set(kinds.flatMap((k) => FLOW_KINDS[k].events))] as string[];
/** Every value VsFlowOutcome takes. */
export const FLOW_OUTCOMES = [...new Set(kinds.flatMap((k) => FLOW_KINDS[k].outcomes))] as string[];
/** Every workflow type the worker registers (and the replay test wants recorded). */
export const WORKFLOW_TYPES = [...new Set(kinds.map((k) => FLOW_KINDS[k].workflowType))] as string[];

/** One live flow per account and kind; the account id is the platform's opaque id, no personal data. */
export function flowIdOf(kind: ApiFlowKind, accountId: string): string {
  return `${kind}:${accountId}`;
}

const ACCOUNT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A flow id a caller may address, or null (unknown kind, a child's or the system's id). */
export function parseFlowId(flowId: string): { kind: ApiFlowKind; accountId: string } | null {
  const i = flowId.indexOf(':');
  const kind = flowId.slice(0, i) as ApiFlowKind;
  const accountId = flowId.slice(i + 1);
  if (i <= 0 || !(API_FLOW_KINDS as string[]).includes(kind) || !ACCOUNT_ID.test(accountId)) return null;
  return { kind, accountId };
}
