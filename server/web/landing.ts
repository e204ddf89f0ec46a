import type { Knex } from 'knex';
import { loadCaller } from '../services/callers.js';
import { seesAdminPage } from './admin-pages.js';
import { seesAuditPage } from './audit-pages.js';
import { safeBack } from './redirect.js';

/**
 * Where a browser sign-in lands: the page the user was sent from, if any; otherwise a platform
 * administrator without an organisation goes to the page they work on (admin, or the audit
 * trail for the audit administrator) rather than an empty dashboard.
 */
export async function landingAfterSignIn(knex: Knex, userId: string, back: unknown): Promise<string> {
  const target = safeBack(back, '');
  if (target && target !== '/') return target;
  const caller = await loadCaller(knex, userId, 'session');
  if (!caller || caller.memberships.size) return '/';
  if (seesAdminPage(caller)) return '/admin';
  if (seesAuditPage(caller)) return '/audit';
  return '/';
}
