// The contact kinds, phone and email, and everything that differs between them: the channel
// a message goes by, the code scenes, the flow kinds, the error codes, the database columns,
// normalizing and masking. Code that serves both kinds reads the entry of its kind here
// instead of branching on it (docs/rules.md#contacts).
//
// Pure data and tiny functions: workflow code imports it (lib/contacts.ts is pure, the rest
// are types), so it must stay free of Node built-ins and I/O.
import type { ErrorCode } from './errors';
import { maskEmail, maskPhone, normalizeEmail, normalizePhone } from './contacts';
import type { Channel, Scene } from './scenes';

export type ContactKind = 'phone' | 'email';

interface ContactKindEntry {
  /** how a code or a notice reaches this contact */
  channel: Channel;
  /** the code scene of a first-time bind and of a rebind's new contact */
  bindScene: Scene;
  /** the code scene of a rebind's proof */
  unbindScene: Scene;
  /** the face check's scene of a rebind by face (flows/face-check/contract.ts FaceScene) */
  faceScene: string;
  /** the flow kinds (flows/registry.ts) */
  bindFlow: string;
  rebindFlow: string;
  /** the accounts table's columns: the sealed value and its blind index */
  columns: { enc: string; idx: string };
  errors: {
    /** the API: not a valid phone number / email address */
    invalid: ErrorCode;
    /** a first-time bind: the contact belongs to another account */
    taken: ErrorCode;
    /** a rebind's new contact belongs to another account */
    rebindTaken: ErrorCode;
    /** a first-time bind: the account has one bound already */
    alreadyBound: ErrorCode;
    /** the account has none bound */
    notBound: ErrorCode;
    /** a contact can only be rebound, never removed */
    unbindForbidden: ErrorCode;
  };
  /** the contacts that must be bound before a rebind of this kind (docs/rules.md#rebind: an email rebind needs a phone too) */
  rebindNeeds: readonly ContactKind[];
  /** what the rebind notice calls the change */
  rebindOperation: string;
  /** the normalized value, or null when it is not a valid one */
  normalize: (input: string) => string | null;
  mask: (normalized: string) => string;
}

export const CONTACT = {
  phone: {
    channel: 'sms',
    bindScene: 'bind_phone',
    unbindScene: 'unbind_phone',
    faceScene: 'rebind_phone',
    bindFlow: 'bind-phone',
    rebindFlow: 'rebind-phone',
    columns: { enc: 'phone_enc', idx: 'phone_idx' },
    errors: {
      invalid: 'INVALID_PHONE',
      taken: 'PHONE_TAKEN',
      rebindTaken: 'PHONE_TAKEN',
      alreadyBound: 'PHONE_ALREADY_BOUND',
      notBound: 'PHONE_NOT_BOUND',
      unbindForbidden: 'PHONE_UNBIND_FORBIDDEN',
    },
    rebindNeeds: ['phone'],
    rebindOperation: '手机号换绑',
    normalize: normalizePhone,
    mask: maskPhone,
  },
  email: {
    channel: 'mail',
    bindScene: 'bind_email',
    unbindScene: 'unbind_email',
    faceScene: 'rebind_email',
    bindFlow: 'bind-email',
    rebindFlow: 'rebind-email',
    columns: { enc: 'email_enc', idx: 'email_idx' },
    errors: {
      invalid: 'INVALID_EMAIL',
      taken: 'EMAIL_TAKEN',
      rebindTaken: 'REBIND_EMAIL_TAKEN',
      alreadyBound: 'EMAIL_ALREADY_BOUND',
      notBound: 'EMAIL_NOT_BOUND',
      unbindForbidden: 'EMAIL_UNBIND_FORBIDDEN',
    },
    rebindNeeds: ['phone', 'email'],
    rebindOperation: '邮箱换绑',
    normalize: normalizeEmail,
    mask: maskEmail,
  },
} as const satisfies Record<ContactKind, ContactKindEntry>;

/** Both kinds, phone first (the order notices go out in). */
export const CONTACT_KINDS = ['phone', 'email'] as const satisfies readonly ContactKind[];

/** The kind of contact a channel reaches: sms a phone, mail an email. */
export function contactOfChannel(channel: Channel): ContactKind {
  return CONTACT_KINDS.find((k) => CONTACT[k].channel === channel)!;
}
