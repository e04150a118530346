// The workflow bundle's entry: every workflow type the worker registers, each declaring its
// kind's versioning behaviour (flows/registry.ts, flows/shared/versioning.ts).
import { bindPhone, bindEmail } from './bind/workflow';
import { phoneRebind, emailRebind } from './rebind/workflow';
import { realName } from './real-name/workflow';
import { faceCheck } from './face-check/workflow';
import { faceScene } from './face-scene/workflow';
import { accountRecovery } from './recovery/workflow';
import { passwordReset } from './password-reset/workflow';
import { securityCheck } from './security-check/workflow';
import { webhookDispatcher, webhookSweep } from './webhooks/workflow';
import { retentionSweep } from './retention/workflow';
import { declareVersioning } from './shared/versioning';

export { bindPhone, bindEmail, phoneRebind, emailRebind, realName, faceCheck, faceScene, accountRecovery, passwordReset, securityCheck, webhookDispatcher, webhookSweep, retentionSweep };

declareVersioning({ bindPhone, bindEmail, phoneRebind, emailRebind, realName, faceCheck, faceScene, accountRecovery, passwordReset, securityCheck, webhookDispatcher, webhookSweep, retentionSweep });
