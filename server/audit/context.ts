import { AsyncLocalStorage } from 'node:async_hooks';
import type { Caller } from '../context.js';

/**
 * What the audit trail knows about the request being served, without passing HTTP objects to
 * services: who (read lazily, authentication runs later), from where, and which organisations
 * the request was granted access to (noted by OrganizationScope.require, the one tenancy check).
 */
export interface AuditRequestContext {
  ip: string | null;
  userAgent: string | null;
  caller(): Caller | undefined;
  organizationIds: string[];
}

export const auditStorage = new AsyncLocalStorage<AuditRequestContext>();

/** Called by OrganizationScope when it grants access: the organisation whose chain records the request. */
export function noteOrganization(organizationId: string): void {
  const ctx = auditStorage.getStore();
  if (ctx && !ctx.organizationIds.includes(organizationId)) ctx.organizationIds.push(organizationId);
}
