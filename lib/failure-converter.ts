// Loaded by path (client, worker and workflow bundle): failure messages and stack
// traces go through the payload codec too, so an error can never carry plaintext
// personal data into Temporal's storage.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
