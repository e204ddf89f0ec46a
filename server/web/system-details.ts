import type { Request } from 'express';
import { PlatformsService } from '../cloud/platforms.js';
import { deps, serviceContext } from '../http/request.js';
import type { SystemView } from '../systems/service.js';
import type { FailedForm } from './system-page.js';

/** Blank contact rows offered after the stored ones (more after saving). */
const BLANK_ROWS = 2;
const CONTACT_FIELDS = ['name', 'role', 'phone', 'email'] as const;

/**
 * The system page's "edit the system" form (details, deployment and platform, extension sets,
 * contacts) and archive form: what is stored, or what was typed when the form was refused.
 */
export async function systemDetailsView(req: Request, system: SystemView, failed: FailedForm | undefined) {
  const typed = failed?.form === 'system' ? (failed.values as Record<string, unknown>) : undefined;
  const text = (field: string, stored: string | null) => (typed ? String(typed[field] ?? '') : (stored ?? ''));
  const fe = failed?.form === 'system' ? failed.fieldErrors : {};
  const storedContacts = system.contacts.map((c) => ({ name: c.name, role: c.role ?? '', phone: c.phone ?? '', email: c.email ?? '' }));
  const typedContacts: Array<Record<string, string>> = [];
  if (typed) {
    // The rows as typed, blank rows dropped (the same order the errors' row numbers count in).
    const idx = [...new Set(Object.keys(typed).map((k) => /^contacts\[(\d+)\]/.exec(k)?.[1]).filter((x): x is string => !!x).map(Number))].sort((a, b) => a - b);
    for (const i of idx) {
      const row = Object.fromEntries(CONTACT_FIELDS.map((f) => [f, String(typed[`contacts[${i}][${f}]`] ?? '').trim()]));
      if (CONTACT_FIELDS.some((f) => row[f])) typedContacts.push(row);
    }
  }
  const contacts = typed ? typedContacts : storedContacts;
  const rows = [...contacts, ...Array.from({ length: BLANK_ROWS }, () => ({ name: '', role: '', phone: '', email: '' }))];
  const deployment = typed ? String(typed.deployment ?? system.deployment) : system.deployment;
  const platformId = typed ? String(typed.platformId ?? '') : (system.platformId ?? '');
  const ext = (code: keyof SystemView['extensions']) => (typed ? typed[`ext_${code}`] === '1' : system.extensions[code]);
  const catalogue = deps(req).catalogue;
  return {
    name: text('name', system.name),
    description: text('description', system.description),
    businessType: text('businessType', system.businessType),
    owner: text('owner', system.owner),
    deployments: (['on_premises', 'cloud'] as const).map((key) => ({ key, label: req.t(`enum.deployment_${key}`), selected: key === deployment })),
    platforms: (await new PlatformsService(serviceContext(req), catalogue).list()).map((p) => ({ id: p.id, label: `${p.product} (${p.level})`, selected: p.id === platformId })),
    extensions: [
      ...(['mobile', 'iot', 'ics'] as const).map((code) => ({ code, name: req.lang === 'zh-CN' ? catalogue.meta.sets[code]!.zh : catalogue.meta.sets[code]!.en, checked: ext(code) })),
      { code: 'bigData', name: req.t('extensions.bigData'), checked: ext('bigData') },
    ],
    contacts: rows.map((c, i) => ({ ...c, i, errors: Object.fromEntries(CONTACT_FIELDS.map((f) => [f, fe[`contacts.${i}.${f}`] ?? ''])) })),
    contactList: storedContacts,
    errors: fe,
    archiveError: failed?.form === 'archive' ? (failed.fieldErrors.confirm ?? failed.error) : '',
  };
}

/** Each inspection with its rectified date's form (what was typed when it was refused). */
export function inspectionsView(req: Request, inspections: Array<Record<string, any>>, failed: FailedForm | undefined) {
  return inspections.map((i) => {
    const mine = failed?.form === `inspection-${i.id}`;
    return {
      ...i,
      kindLabel: req.t(i.kind === 'self' ? 'ui.kind_self' : 'ui.kind_supervision'),
      rectifiedTyped: mine ? String(failed.values.rectifiedOn ?? '') : (i.rectifiedOn ?? ''),
      rectifiedError: mine ? (failed.fieldErrors.rectifiedOn ?? failed.error) : '',
    };
  });
}
