// Per-day limits on requests whose answer could tell what other accounts hold ("is this
// phone bound elsewhere?", "has this ID number verified an account?"), per account and per
// client IP: the slot is taken before the answer is known, whatever it turns out to be. And
// a cap on the completions relayed to one face check, so no check's history grows unbounded.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SendRateLimiter } from '../lib/rate-limit';
import type { Config } from '../lib/config';
import { AppError, type ErrorCode } from '../lib/errors';
import type { FieldCrypto } from '../lib/field-crypto';

type Subject = { kind: 'account' | 'ip' | 'face_check' | 'identifier'; id: string | undefined; perDay: number };

export class AbuseLimits {
  private readonly limiter: SendRateLimiter;

  constructor(
    redis: Redis,
    private readonly crypto: FieldCrypto,
    private readonly cfg: Config,
  ) {
    this.limiter = new SendRateLimiter(redis);
  }

  /**
   * Before a flow looks up whether a new phone or email belongs to another account. The IP is
   * the end user's as the caller relays it (client.ip); without it only the account counts, as
   * the caller's own address would lump every user together.
   */
  contactCheck(accountId: string, ip: string | undefined): Promise<void> {
    const l = this.cfg.limits;
    return this.take('contact_check', 'CONTACT_CHECK_LIMIT', [
      { kind: 'account', id: accountId, perDay: l.contactChecksPerAccount },
      { kind: 'ip', id: ip, perDay: l.contactChecksPerIp },
    ]);
  }

  /** Before real-name's subject-limit check tells whether an ID number is in use. */
  realNameStart(accountId: string, ip: string | undefined): Promise<void> {
    const l = this.cfg.limits;
    return this.take('real_name_start', 'REAL_NAME_START_LIMIT', [
      { kind: 'account', id: accountId, perDay: l.realNameStartsPerAccount },
      { kind: 'ip', id: ip, perDay: l.realNameStartsPerIp },
    ]);
  }

  /**
   * Before an account lookup (找回账户), per identifier (its blind index, hex) and per client IP:
   * the slot is taken whether anything matches, so the limit tells nothing either.
   */
  recoveryLookup(identifierIdx: string, ip: string | undefined): Promise<void> {
    const r = this.cfg.recovery;
    return this.take('recovery_lookup', 'RECOVERY_LOOKUP_LIMIT', [
      { kind: 'identifier', id: identifierIdx, perDay: r.lookupsPerIdentifier },
      { kind: 'ip', id: ip, perDay: r.lookupsPerIp },
    ]);
  }

  faceCompletion(faceCheckId: string): Promise<void> {
    return this.take('face_completion', 'FACE_COMPLETION_LIMIT', [{ kind: 'face_check', id: faceCheckId, perDay: this.cfg.limits.faceCompletionsPerCheck }]);
  }

  /** One slot per subject; a refusal by a later subject gives the earlier slots back. */
  private async take(scene: string, code: ErrorCode, subjects: Subject[]): Promise<void> {
    const requestKey = randomUUID();
    const taken: Buffer[] = [];
    for (const s of subjects) {
      if (s.id === undefined) continue;
      const who = this.crypto.blindIndex(scene, `${s.kind}:${s.id}`);
      const r = await this.limiter.acquire({ scene, targetIdx: who, requestKey, perDay: s.perDay, gapSec: 0 });
      if (!r.ok) {
        for (const t of taken) await this.limiter.release({ scene, targetIdx: t, requestKey });
        throw new AppError(code, { perDay: s.perDay, per: s.kind });
      }
      taken.push(who);
    }
  }
}
