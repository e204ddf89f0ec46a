import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../server/services/passwords.js';
import { DEFAULT_PASSWORD_POLICY, policyProblems } from '../../server/services/credentials.js';

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
  it('requires complexity for new passwords (the default policy: 10 characters, 3 of 4 classes)', () => {
    const codes = (p: string, policy = DEFAULT_PASSWORD_POLICY) => policyProblems(p, policy).map((d) => d.code);
    expect(codes('Dengbao#2026')).to.deep.equal([]);
    expect(codes('short#A1')).to.deep.equal(['password_too_short']);
    expect(codes('alllowercaseletters')).to.deep.equal(['password_too_simple']);
    expect(codes('密码Mima2026')).to.deep.equal([]); // CJK counts as a symbol class, upper, lower, digits
    expect(codes('Dengbao#2026', { ...DEFAULT_PASSWORD_POLICY, minLength: 16 })).to.deep.equal(['password_too_short']);
    expect(codes('dengbao2026aa', { ...DEFAULT_PASSWORD_POLICY, minClasses: 2 })).to.deep.equal([]);
  });
});
