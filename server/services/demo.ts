import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { z } from 'zod';
import { ORG_ROLES } from '../context.js';
import { transaction } from '../database/transaction.js';
import { newId, now } from '../util.js';
import { projectRoot } from '../version.js';
import { createUser } from './users.js';

const demoSchema = z.object({
  $comment: z.string().optional(),
  password: z.string(),
  organizations: z.array(
    z.strictObject({ key: z.string(), name: z.string(), nameEn: z.string(), address: z.string(), scenario: z.string() }),
  ),
  users: z.array(
    z.strictObject({
      username: z.string(),
      displayName: z.string(),
      isAdmin: z.boolean().optional(),
      memberships: z.array(z.strictObject({ organization: z.string(), role: z.enum(ORG_ROLES) })),
    }),
  ),
});
export type DemoData = z.infer<typeof demoSchema>;

export function readDemoData(file = path.join(projectRoot(), 'fixtures', 'demo.json')): DemoData {
  return demoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * Loads the demo organisations and users into an EMPTY database (no users yet), in one
 * transaction. Returns false when the database already has users.
 */
export async function loadDemoData(knex: Knex, data: DemoData = readDemoData()): Promise<boolean> {
  return transaction(knex, async (trx) => {
    const existing = await trx('users').count({ n: '*' }).first();
    if (Number(existing?.n ?? 0) > 0) return false;
    const orgIds = new Map<string, string>();
    for (const org of data.organizations) {
      const id = newId();
      orgIds.set(org.key, id);
      const at = now();
      await trx('organizations').insert({ id, name: org.name, name_en: org.nameEn, address: org.address, created_at: at, updated_at: at });
    }
    for (const u of data.users) {
      const user = await createUser(trx, { username: u.username, displayName: u.displayName, password: data.password, isAdmin: u.isAdmin });
      for (const m of u.memberships) {
        await trx('memberships').insert({ id: newId(), organization_id: orgIds.get(m.organization)!, user_id: user.id, role: m.role, created_at: now() });
      }
    }
    return true;
  });
}
