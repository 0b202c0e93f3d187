import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret } from 'otpauth';
import { newBackupCodes, normalizeBackupCode } from '../../src-server/fallbacks/backupCodes.ts';
import { checkNewPassword } from '../../src-server/fallbacks/checkPassword.ts';
import { hashSecret, verifySecret } from '../../src-server/fallbacks/hashSecret.ts';
import { newTotpSecret, totpCode, totpStep } from '../../src-server/fallbacks/totp.ts';
import { createEmailLinks } from '../../src-server/fallbacks/createEmailLinks.ts';
import { createManualClock } from '../../src-server/time/Clock.ts';
import type { LatchkeyError } from '../../src-server/errors/LatchkeyError.ts';

describe('fallback credentials', () => {
  it('TOTP matches the RFC 6238 appendix B vectors (SHA-1 rows)', async () => {
    // The RFC's SHA-1 seed is the ASCII string "12345678901234567890"; its table has 8 digits.
    const seed = Secret.fromLatin1('12345678901234567890').base32;
    const vectors: Array<[number, string]> = [
      [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
      [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) assert.equal(await totpCode(seed, seconds * 1000, 8), code, `T=${seconds}`);
  });

  it('TOTP accepts ±1 step and names the step, refuses 2 steps off and junk', async () => {
    const { secret, uri } = await newTotpSecret('Latchkey (box.alice.ts.net)');
    assert.equal(Secret.fromBase32(secret).bytes.length, 20);
    assert.match(uri, /algorithm=SHA1&digits=6&period=30/);
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    assert.equal(await totpStep(secret, await totpCode(secret, now), now), step);
    assert.equal(await totpStep(secret, await totpCode(secret, now - 30_000), now), step - 1);
    assert.equal(await totpStep(secret, await totpCode(secret, now + 30_000), now), step + 1);
    assert.equal(await totpStep(secret, await totpCode(secret, now + 60_000), now), null);
    assert.equal(await totpStep(secret, await totpCode(secret, now - 60_000), now), null);
    assert.equal(await totpStep(secret, 'abcdef', now), null);
  });

  it('backup codes: 10 distinct xxxxx-xxxxx codes; typing is forgiving about case, spaces and look-alikes', () => {
    const codes = newBackupCodes();
    assert.equal(new Set(codes).size, 10);
    for (const c of codes) assert.match(c, /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    assert.equal(normalizeBackupCode(' AB1CD 2EFGH '), 'ab1cd-2efgh');
    assert.equal(normalizeBackupCode('abicd-oefgh'), 'ab1cd-0efgh');
    assert.equal(normalizeBackupCode('abcd-efgh'), null);
    assert.equal(normalizeBackupCode('abcde-fghu!'), null);
  });

  it('argon2id hashes verify only the right secret, and a malformed hash is simply false', async () => {
    const phc = await hashSecret('ab1cd-2efgh');
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifySecret(phc, 'ab1cd-2efgh'), true);
    assert.equal(await verifySecret(phc, 'ab1cd-2efgj'), false);
    assert.equal(await verifySecret('not a hash', 'x'), false);
  });

  it('passwords: 12 characters at least (counted as people count them), not a common one', async () => {
    await assert.rejects(checkNewPassword('elevenchars'), { code: 'password_too_short' });
    await assert.rejects(checkNewPassword('😀😀😀😀😀😀'), { code: 'password_too_short' });
    await assert.rejects(checkNewPassword('iloveyou1234'), { code: 'password_too_common' });
    await assert.rejects(checkNewPassword('Password123!'), { code: 'password_too_common' });
    assert.equal(await checkNewPassword('cafe\u0301 au lait, please'), 'café au lait, please', 'NFC-normalised');
  });
});

describe('sign-in link budgets', () => {
  it('one client cannot spend everyone\'s budget: its own is checked first, and only what it may send counts globally', async () => {
    const links = createEmailLinks(createManualClock(), { perClient: 3, global: 5, windowS: 600 });
    const ask = async (ip: string) => links.assertCanSend(ip).then(() => 'ok', (e: LatchkeyError) => `${e.statusCode} ${e.message.startsWith('This browser') ? 'client' : 'global'}`);
    const flood = [];
    for (let i = 0; i < 10; i++) flood.push(await ask('203.0.113.1'));
    assert.deepEqual(flood, ['ok', 'ok', 'ok', ...Array(7).fill('429 client')]);
    // The owner, from elsewhere, still gets the two the flood left.
    assert.deepEqual([await ask('198.51.100.2'), await ask('198.51.100.2'), await ask('198.51.100.2')], ['ok', 'ok', '429 global']);
    // A mail the server could not send is given back to both budgets.
    await links.notSent('198.51.100.2');
    assert.equal(await ask('198.51.100.3'), 'ok');
  });
});
