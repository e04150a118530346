// The workflow bundle's entry: every workflow type the worker registers.
export { bindPhone, bindEmail } from './bind-contact';
export { phoneRebind, emailRebind } from './rebind-contact';
export { realName } from './real-name';
export { faceCheck } from './face-check';
export { webhookDispatcher, webhookSweep } from './webhooks';
