/**
 * age X25519 public keys (`age1…`), the only SOPS recipients tritonops accepts: Bech32 (BIP 173)
 * with the human-readable part `age` and 32 bytes of key, so 62 characters in all. The checksum
 * is verified, so a typo in environment.yaml or a hand-edited recipient in a file is caught here
 * rather than by sops or Flux later.
 */
import { AGE_RECIPIENT_PATTERN } from '@tritonops/spec';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) chk ^= g;
    });
  }
  return chk >>> 0;
}

/** True for a well-formed age X25519 recipient: the pattern, a valid checksum, no stray padding bits. */
export function isAgeRecipient(value: unknown): value is string {
  if (typeof value !== 'string' || !new RegExp(AGE_RECIPIENT_PATTERN).test(value)) return false;
  const hrp = 'age';
  const data = [...value.slice(hrp.length + 1)].map((c) => CHARSET.indexOf(c));
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  if (polymod([...expanded, ...data]) !== 1) return false;
  // 52 five-bit groups carry 256 bits of key and 4 bits of padding, which must be zero.
  return (data[51]! & 0b1111) === 0;
}
