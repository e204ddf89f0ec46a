import { expect } from 'chai';
import { OrganizationScope, type Caller } from '../../server/context.js';
import { AppError } from '../../server/errors.js';

const caller = (memberships: Record<string, 'officer' | 'consultant' | 'auditor'>): Caller => ({
  userId: 'u',
  username: 'u',
  displayName: 'u',
  isAdmin: false,
  platformRoles: [],
  memberships: new Map(Object.entries(memberships)),
  via: 'session',
});

function status(fn: () => unknown): number {
  try {
    fn();
    return 200;
  } catch (err) {
    return (err as AppError).status;
  }
}

describe('organisation scope', () => {
  const scope = new OrganizationScope(caller({ A: 'consultant', B: 'auditor', C: 'officer' }));
  it('answers 404 for an organisation the caller does not belong to, whatever the permission', () => {
    expect(status(() => scope.require('Z', 'read'))).to.equal(404);
    expect(status(() => scope.require('Z', 'manage'))).to.equal(404);
  });
  it('answers 403 for a member without the permission', () => {
    expect(status(() => scope.require('B', 'edit'))).to.equal(403);
    expect(status(() => scope.require('A', 'manage'))).to.equal(403);
  });
  it('grants by role', () => {
    expect(status(() => scope.require('B', 'download'))).to.equal(200);
    expect(status(() => scope.require('A', 'edit'))).to.equal(200);
    expect(status(() => scope.require('C', 'manage'))).to.equal(200);
  });
  it('lists organisations by permission', () => {
    expect(scope.organizationIds('read').sort()).to.deep.equal(['A', 'B', 'C']);
    expect(scope.organizationIds('edit').sort()).to.deep.equal(['A', 'C']);
    expect(scope.organizationIds('manage')).to.deep.equal(['C']);
  });
});
