import { expect } from 'chai';
import { migrationSource } from '../../server/database/migrations/index.js';
import { migrateLatest, migrationStatus } from '../../server/database/index.js';
import { describeEachEngine } from '../utils/each-engine.js';

describeEachEngine(
  'migration 20261130E: the admin flag becomes system_admin',
  (ctx) => {
    it('keeps existing users and memberships; an admin becomes system_admin only; triggers guard the trail', async () => {
      const knex = ctx.db.knex;
      // Up to the migration before this one.
      while ((await migrationStatus(knex)).pending[0] !== '20261130E-separation-audit') await knex.migrate.up({ migrationSource });
      const at = new Date().toISOString();
      const user = (id: string, username: string, isAdmin: boolean) => ({ id, username, display_name: username, password_hash: 'x', is_admin: isAdmin, disabled: false, failed_logins: 0, password_changed_at: at, created_at: at, updated_at: at });
      await knex('organizations').insert({ id: '00000000-0000-4000-8000-000000000001', name: 'Org', created_at: at, updated_at: at });
      await knex('users').insert([user('00000000-0000-4000-8000-0000000000a1', 'root', true), user('00000000-0000-4000-8000-0000000000b1', 'member', false)]);
      await knex('memberships').insert({ id: '00000000-0000-4000-8000-0000000000c1', organization_id: '00000000-0000-4000-8000-000000000001', user_id: '00000000-0000-4000-8000-0000000000b1', role: 'officer', created_at: at });
      expect((await migrateLatest(knex))[0]).to.equal('20261130E-separation-audit');
      expect(await knex('platform_roles').select('user_id', 'role')).to.deep.equal([{ user_id: '00000000-0000-4000-8000-0000000000a1', role: 'system_admin' }]);
      expect((await knex('memberships').first()).status).to.equal('active');
      let refused = 0;
      await knex('audit_chains').insert({ chain: 'platform', seq: 1, head_hash: 'h', base_seq: 0, base_hash: '0' });
      await knex('audit_entries').insert({ chain: 'platform', seq: 1, at, action: 'x', prev_hash: '0', hash: 'h' });
      await knex('audit_entries').update({ action: 'y' }).catch(() => refused++);
      await knex('audit_entries').delete().catch(() => refused++);
      expect(refused).to.equal(2);
    });
  },
  { migrate: false },
);
