// The workflow bundle's entry: every workflow type the worker registers.
export { bindPhone, bindEmail } from './bind-contact';
export { phoneRebind, emailRebind } from './rebind-contact';
