import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { z } from 'zod';
import { ORG_ROLES, PLATFORM_ROLES } from '../context.js';
import { transaction } from '../database/transaction.js';
import { newId, now } from '../util.js';
import { projectRoot } from '../version.js';
import { createUser } from './users.js';
import { loadCaller } from './callers.js';
import { demoAssessmentSchema, loadDemoAssessment } from './demo-assessment.js';
import { shippedCatalogue, type Catalogue } from '../catalogue/index.js';
import type { BlobStore } from '../storage/blob-store.js';
import { PlatformsService, type PlatformInput } from '../cloud/platforms.js';
import { DeployedProductsService } from '../cloud/deployed.js';
import { productCatalogue } from '../cloud/products.js';
import { FilingService } from '../systems/filing.js';
import { GradingsService, type GradingInput } from '../systems/gradings.js';
import { InspectionsService } from '../systems/inspections.js';
import { SystemsService, type SystemInput } from '../systems/service.js';

const demoSystem = z.strictObject({
  organization: z.string(),
  as: z.string(),
  system: z.record(z.string(), z.unknown()),
  grading: z.record(z.string(), z.unknown()),
  review: z.record(z.string(), z.unknown()),
  approval: z.record(z.string(), z.unknown()),
  filing: z.record(z.string(), z.unknown()),
  transitions: z.array(z.strictObject({ to: z.string(), effectiveOn: z.string(), note: z.string().optional() })),
  inspections: z.array(z.record(z.string(), z.unknown())),
  deployedProducts: z.array(z.strictObject({ productId: z.string(), since: z.string() })).default([]),
});

const demoPlatform = z
  .object({ key: z.string(), organization: z.string().nullable(), as: z.string(), published: z.boolean().optional() })
  .catchall(z.unknown());

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
      /** 三权分立 roles; the old `isAdmin: true` means system_admin. */
      roles: z.array(z.enum(PLATFORM_ROLES)).optional(),
      isAdmin: z.boolean().optional(),
      memberships: z.array(z.strictObject({ organization: z.string(), role: z.enum(ORG_ROLES) })),
    }),
  ),
  platforms: z.array(demoPlatform).default([]),
  systems: z.array(demoSystem).default([]),
  assessments: z.array(demoAssessmentSchema).default([]),
});
export type DemoData = z.infer<typeof demoSchema>;

export function readDemoData(file = path.join(projectRoot(), 'fixtures', 'demo.json')): DemoData {
  return demoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * Loads the demo organisations and users into an EMPTY database (no users yet), in one
 * transaction. Returns false when the database already has users.
 */
export async function loadDemoData(knex: Knex, data: DemoData = readDemoData(), options: { catalogue?: Catalogue; store?: BlobStore } = {}): Promise<boolean> {
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
      const user = await createUser(trx, { username: u.username, displayName: u.displayName, password: data.password, roles: u.roles ?? (u.isAdmin ? ['system_admin'] : []) });
      for (const m of u.memberships) {
        await trx('memberships').insert({ id: newId(), organization_id: orgIds.get(m.organization)!, user_id: user.id, role: m.role, created_at: now() });
      }
    }
    const catalogue = options.catalogue ?? shippedCatalogue();
    const platformIds = new Map<string, string>();
    for (const p of data.platforms) {
      const { key, organization, as, ...fields } = p;
      const user = await trx('users').where({ username: as }).first();
      const caller = (await loadCaller(trx, user.id, 'system'))!;
      const created = await new PlatformsService({ knex: trx, caller }, catalogue).create({ ...(fields as unknown as PlatformInput), organizationId: organization ? orgIds.get(organization)! : null });
      platformIds.set(key, created.id);
    }
    for (const s of data.systems) await loadDemoSystem(trx, orgIds.get(s.organization)!, s, platformIds, catalogue);
    for (const a of data.assessments) await loadDemoAssessment(trx, a, catalogue, options.store);
    return true;
  });
}

/**
 * Puts a demo system through its lifecycle with the real services, acting as the organisation's
 * officer, so the demo obeys the same rules as users do.
 */
async function loadDemoSystem(trx: Knex, organizationId: string, s: z.infer<typeof demoSystem>, platformIds: Map<string, string>, catalogue: Catalogue): Promise<void> {
  const user = await trx('users').where({ username: s.as }).first();
  const caller = (await loadCaller(trx, user.id, 'system'))!;
  const ctx = { knex: trx, caller };
  const systems = new SystemsService(ctx);
  const gradings = new GradingsService(ctx);
  const { platform, ...input } = s.system as Record<string, unknown>;
  const system = await systems.create(organizationId, { ...(input as unknown as SystemInput), platformId: platform ? platformIds.get(platform as string)! : null });
  // The demo's history starts when it was graded, not on the day the demo is loaded: its timeline stays in date order.
  await trx('system_transitions').where({ system_id: system.id, to_state: 'grading' }).whereNull('from_state').update({ effective_on: (s.grading as { gradedOn: string }).gradedOn });
  const deployed = new DeployedProductsService(ctx, productCatalogue(catalogue));
  for (const d of s.deployedProducts) await deployed.add(system.id, d);
  const g = await gradings.create(system.id, s.grading as unknown as GradingInput);
  await gradings.review(system.id, g.id, s.review as never);
  await gradings.approve(system.id, g.id, s.approval as never);
  const filing = new FilingService(ctx);
  const draft = await filing.get(system.id);
  const f = s.filing as Record<string, unknown>;
  const form = { ...draft.form, ...(f.form as object) };
  // Submitted first, then certified: the same steps as a real filing.
  if (f.status === 'certified') await filing.put(system.id, { form, status: 'submitted', filingOrgan: f.filingOrgan, submittedOn: f.submittedOn } as never);
  await filing.put(system.id, { ...f, form } as never);
  for (const t of s.transitions) await systems.transition(system.id, t as never);
  const inspections = new InspectionsService(ctx);
  for (const i of s.inspections) await inspections.create(system.id, i as never);
}
