// The workflow bundle's entry: every workflow type the worker registers.
export { bindPhone, bindEmail } from './bind/workflow';
export { phoneRebind, emailRebind } from './rebind/workflow';
export { realName } from './real-name/workflow';
export { faceCheck } from './face-check/workflow';
export { webhookDispatcher, webhookSweep } from './webhooks/workflow';
