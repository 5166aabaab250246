/*
 * Phone numbers as callers say them: "617-555-0199", "+1 617 555 0199" and "6175550199" are
 * one number. Compare digits only, ignoring a country code or trunk prefix of up to 3 digits.
 * Must agree with customers.phone_digits in the schema.
 */

/** Digits only, leading zeros (trunk prefix) dropped. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '').replace(/^0+/, '');
}

/** The last 7 digits: what the index on customers matches first. */
export function phoneTail(digits: string): string {
  return digits.slice(-7);
}

/** Same number: equal digits, or one is the other with up to 3 more leading digits (country code). */
export function samePhone(a: string, b: string): boolean {
  const x = phoneDigits(a);
  const y = phoneDigits(b);
  if (x.length < 7 || y.length < 7) return x === y && x.length > 0;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return long.endsWith(short) && long.length - short.length <= 3;
}
