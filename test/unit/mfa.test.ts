import { expect } from 'chai';
import { generate } from 'otplib';
import { newTotpSecret, SecretBox, totpStep } from '../../server/services/mfa.js';

describe('second factor helpers', () => {
  it('seals TOTP secrets so only the same key opens them', () => {
    const box = new SecretBox('k'.repeat(40));
    const sealed = box.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(sealed).not.to.contain('JBSWY3DP');
    expect(box.open(sealed)).to.equal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(new SecretBox('x'.repeat(40)).open(sealed)).to.equal(undefined);
    expect(box.open(sealed.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).to.equal(undefined); // tampered
  });

  it('accepts a current code (one step of clock drift either way) and refuses old ones and replays', async () => {
    const { secret } = newTotpSecret('u');
    const now = Math.floor(Date.now() / 1000);
    const step = await totpStep(secret, await generate({ secret, epoch: now }));
    expect(step).to.be.a('number');
    expect(await totpStep(secret, await generate({ secret, epoch: now + 30 }))).to.equal(step! + 1);
    expect(await totpStep(secret, await generate({ secret, epoch: now - 120 }))).to.equal(undefined);
    expect(await totpStep(secret, await generate({ secret, epoch: now }), step)).to.equal(undefined); // already used
    expect(await totpStep(secret, 'abcdef')).to.equal(undefined);
  });
});
