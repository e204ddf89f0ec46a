import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../server/services/passwords.js';
import { fields } from '../../server/http/validate.js';

describe('passwords', () => {
  it('verifies the right password and rejects others', async () => {
    const hash = await hashPassword('Dengbao#2026');
    expect(hash).to.match(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.to.contain('Dengbao');
    expect(await verifyPassword('Dengbao#2026', hash)).to.equal(true);
    expect(await verifyPassword('dengbao#2026', hash)).to.equal(false);
    expect(await verifyPassword('Dengbao#2026', 'garbage')).to.equal(false);
  });
  it('salts each hash', async () => {
    expect(await hashPassword('same-Password1')).not.to.equal(await hashPassword('same-Password1'));
  });
  it('requires complexity for new passwords', () => {
    expect(fields.password.safeParse('Dengbao#2026').success).to.equal(true);
    expect(fields.password.safeParse('short#A1').success).to.equal(false);
    expect(fields.password.safeParse('alllowercaseletters').success).to.equal(false);
  });
});
