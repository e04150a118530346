// The real-name start request, declared once: the zod schema POST /v1/accounts/:id/real-name
// validates with (./routes.ts) and documents (./openapi.ts), and the type the API starts the
// saga with (./start.ts), inferred from it. The saga's own input, as histories record it, is
// RealNameInput (./contract.ts).
import { z } from 'zod';
import { clientMeta, text } from '../../http/schemas';
import { deviceId } from '../face-check/routes';

export const startRealNameBody = z
  .object({
    realName: text({ max: 64 }),
    idNumber: text({ max: 32 }),
    deviceId,
    /** the platform's verdict on the client environment (the seed's xc_is_security) */
    environmentSafe: z.boolean(),
    /**
     * environmentSafe false: the security pass a security check answered (docs/flows/security-check.md);
     * with it the run goes on as if the environment were safe, and spends it. Ignored when safe.
     */
    securityPass: text({ max: 64 }).optional(),
    /** the agreement the user ticked; absent, or not the current version of "real": 400 REAL_NAME_AGREEMENT_REQUIRED */
    agreement: z.object({ id: text({ max: 32 }), version: text({ max: 32 }) }).strict().optional(),
    client: clientMeta,
  })
  .strict();

/** What the saga is started with; the relayed `client` becomes the request meta. */
export type StartRealNameRequest = Omit<z.infer<typeof startRealNameBody>, 'client' | 'agreement'>;
