import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors.js';

/**
 * Things evidence can be linked to. Each module that owns a target type registers it with a
 * check that the target exists in the given organisation (so a link never crosses tenants).
 * The evidence store itself knows no target type.
 */
export type LinkTargetCheck = (knex: Knex, organizationId: string, targetId: string) => Promise<boolean>;

const targets = new Map<string, LinkTargetCheck>();

export function registerLinkTarget(type: string, check: LinkTargetCheck): void {
  targets.set(type, check);
}

export function linkTargetTypes(): string[] {
  return [...targets.keys()].sort();
}

export function linkTargetCheck(type: string): LinkTargetCheck | undefined {
  return targets.get(type);
}

/** A link target must be a registered type and exist in the given organisation (404 otherwise). */
export async function assertLinkTarget(knex: Knex, organizationId: string, targetType: string, targetId: string): Promise<void> {
  const check = targets.get(targetType);
  if (!check) {
    throw new ValidationError({}, [
      { path: 'targetType', code: 'invalid_value', message: `must be one of: ${linkTargetTypes().join(', ') || '(none yet)'}` },
    ]);
  }
  if (!(await check(knex, organizationId, targetId))) throw new NotFoundError({ resource: 'link_target', id: targetId });
}
