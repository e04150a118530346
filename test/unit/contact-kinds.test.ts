// lib/contact-kinds.ts: the one table of what differs between a phone and an email agrees with
// the flow registry, the scene table and the error catalogue it names.
import { FLOW_KINDS } from '../../flows/registry';
import { CONTACT, CONTACT_KINDS, contactOfChannel } from '../../lib/contact-kinds';
import { ERRORS } from '../../lib/errors';
import { SCENES } from '../../lib/scenes';

describe.each(CONTACT_KINDS)('%s', (kind) => {
  const c = CONTACT[kind];

  test('its flow kinds are the registry entries of this contact', () => {
    expect(FLOW_KINDS[c.bindFlow]).toMatchObject({ family: 'bind', contact: kind });
    expect(FLOW_KINDS[c.rebindFlow]).toMatchObject({ family: 'rebind', contact: kind });
  });

  test('its scenes are in the scene table', () => {
    expect(SCENES[c.bindScene]).toBeDefined();
    expect(SCENES[c.unbindScene]).toBeDefined();
  });

  test('its error codes are in the catalogue', () => {
    for (const code of Object.values(c.errors)) expect(ERRORS).toHaveProperty(code);
  });

  test('its channel leads back to it', () => expect(contactOfChannel(c.channel)).toBe(kind));

  test('its columns are named after it', () => expect(c.columns).toEqual({ enc: `${kind}_enc`, idx: `${kind}_idx` }));
});

test('normalizing and masking: the phone and email functions', () => {
  expect(CONTACT.phone.normalize('+86 138-0013-8000')).toBe('13800138000');
  expect(CONTACT.phone.mask('13800138000')).toBe('138****8000');
  expect(CONTACT.email.normalize(' Example@Test.com ')).toBe('example@test.com');
  expect(CONTACT.email.mask('example@test.com')).toBe('examp*****@test.com');
  expect(CONTACT.phone.normalize('example@test.com')).toBeNull();
});
