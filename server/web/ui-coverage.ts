/**
 * Issue 14 §1, "every API capability an officer or consultant uses has a page or a form": each
 * write route under /api/v1 that an officer or consultant may call, mapped to the web page and
 * the form on it that does the same thing. test/e2e/ui-coverage.test.ts reads the OpenAPI route
 * table, fails on a write route that is in none of the three lists below, and fetches each page
 * as the role to find `form[action]` (or a button's `formaction`) for the mapped action, compared
 * by shape (ids as `:id`: a form for any finding or member on the page will do).
 *
 * Placeholders in `page` and `action` are filled by the test from the demo data: {org}, {system},
 * {assessment}, {object}, {finding}, {hazard}, {platform}.
 */
export interface UiForm {
  /** The page that offers the form (GET). */
  page: string;
  /** The form's action (its path; a multipart form's `?_csrf=` is ignored). */
  action: string;
  /** Who is shown the form: the lowest role the API route allows, or nobody signed in. */
  role: 'officer' | 'consultant' | 'anonymous';
  /**
   * When the page offers the form only in a state the demo data is not in (a pending membership,
   * an enrolled second factor…): the test then checks that the pages answer that action (a POST
   * without its CSRF token is refused with 403, not 404) instead of finding it on the page.
   */
  shownWhen?: string;
}

export const UI_FORMS: Record<string, UiForm> = {
  // ---- the account (any signed-in user) ----
  'POST /auth/login': { page: '/login', action: '/login', role: 'anonymous' },
  'POST /auth/logout': { page: '/', action: '/logout', role: 'consultant' },
  'POST /me/password': { page: '/account', action: '/account/password', role: 'consultant' },
  'DELETE /me/sessions/:id': { page: '/account', action: '/account/sessions/{session}/revoke', role: 'consultant', shownWhen: 'the user has another session open' },
  'POST /me/mfa/totp': { page: '/account', action: '/account/mfa/begin', role: 'consultant' },
  'POST /me/mfa/totp/confirm': { page: '/account', action: '/account/mfa/confirm', role: 'consultant', shownWhen: 'an enrolment has been started' },
  'DELETE /me/mfa/totp': { page: '/account', action: '/account/mfa/disable', role: 'consultant', shownWhen: 'a second factor is enrolled' },
  'POST /me/mfa/recovery-codes': { page: '/account', action: '/account/mfa/recovery-codes', role: 'consultant', shownWhen: 'a second factor is enrolled' },
  'POST /tokens': { page: '/account', action: '/account/tokens', role: 'consultant' },
  'DELETE /tokens/:id': { page: '/account', action: '/account/tokens/{token}/revoke', role: 'consultant', shownWhen: 'the user holds an API token' },

  // ---- the organisation: details, members, Word templates ----
  'PATCH /organizations/:id': { page: '/organizations/{org}', action: '/organizations/{org}/edit', role: 'officer' },
  'POST /organizations/:id/members': { page: '/admin', action: '/admin/organizations/{org}/members', role: 'officer' },
  'PATCH /organizations/:id/members/:membershipId': { page: '/admin', action: '/admin/organizations/{org}/members/{membership}/role', role: 'officer' },
  'DELETE /organizations/:id/members/:membershipId': { page: '/admin', action: '/admin/organizations/{org}/members/{membership}/remove', role: 'officer' },
  'POST /organizations/:id/members/:membershipId/accept': { page: '/admin', action: '/admin/organizations/{org}/members/{membership}/accept', role: 'officer', shownWhen: 'a membership is pending' },
  'POST /organizations/:id/members/:membershipId/decline': { page: '/admin', action: '/admin/organizations/{org}/members/{membership}/decline', role: 'officer', shownWhen: 'a membership is pending' },
  'POST /organizations/:id/report-templates': { page: '/organizations/{org}', action: '/organizations/{org}/report-templates', role: 'officer' },

  // ---- systems: lifecycle, grading, filing ----
  'POST /systems': { page: '/systems/new', action: '/systems', role: 'officer' },
  'PATCH /systems/:id': { page: '/systems/{system}', action: '/systems/{system}/edit', role: 'officer' },
  'POST /systems/:id/transitions': { page: '/systems/{system}', action: '/systems/{system}/transitions', role: 'officer' },
  'POST /systems/:id/gradings': { page: '/systems/{system}', action: '/systems/{system}/gradings', role: 'consultant', shownWhen: 'the system is being graded' },
  'POST /systems/:id/gradings/:gid/review': { page: '/systems/{system}', action: '/systems/{system}/gradings/{grading}/review', role: 'officer', shownWhen: 'a grading awaits its expert review' },
  'POST /systems/:id/gradings/:gid/approval': { page: '/systems/{system}', action: '/systems/{system}/gradings/{grading}/approval', role: 'officer', shownWhen: 'a reviewed grading awaits approval' },
  'PUT /systems/:id/filing': { page: '/systems/{system}', action: '/systems/{system}/filing', role: 'officer', shownWhen: 'the grading is approved' },
  'POST /systems/:id/inspections': { page: '/systems/{system}', action: '/systems/{system}/inspections', role: 'officer', shownWhen: 'the system is filed' },
  'POST /systems/:id/protection-plans': { page: '/systems/{system}', action: '/systems/{system}/protection-plans', role: 'officer', shownWhen: 'the system is at level 3 or above and filed' },
  'POST /systems/:id/documents': { page: '/systems/{system}', action: '/systems/{system}/documents', role: 'consultant' },
  'POST /systems/:id/deployed-products': { page: '/systems/{system}', action: '/systems/{system}/deployed-products', role: 'consultant' },
  'POST /evidence': { page: '/evidence', action: '/evidence', role: 'consultant' },
  'POST /evidence-requests': { page: '/systems/{system}', action: '/systems/{system}/evidence-requests', role: 'consultant' },

  // ---- assessed objects and assessments ----
  'POST /systems/:id/objects': { page: '/systems/{system}', action: '/systems/{system}/objects', role: 'consultant' },
  'PATCH /objects/:id': { page: '/systems/{system}', action: '/objects/{object}/edit', role: 'consultant' },
  'DELETE /objects/:id': { page: '/systems/{system}', action: '/objects/{object}/remove', role: 'consultant' },
  'POST /assessments': { page: '/systems/{system}', action: '/systems/{system}/assessments', role: 'consultant' },
  'PATCH /assessments/:id': { page: '/systems/{system}', action: '/assessments/{assessment}/edit', role: 'officer' },
  'POST /assessments/:id/transitions': { page: '/systems/{system}', action: '/assessments/{assessment}/transitions', role: 'consultant' },
  'POST /assessments/:id/revisions': { page: '/systems/{system}', action: '/assessments/{assessment}/revisions', role: 'consultant', shownWhen: 'the assessment is concluded' },

  // ---- the workspace ----
  'PUT /assessments/:id/results/:code': { page: '/assessments/{assessment}', action: '/assessments/{assessment}/results', role: 'consultant' },
  'POST /assessments/:id/results/bulk': { page: '/assessments/{assessment}?view=grid', action: '/assessments/{assessment}/results-grid', role: 'consultant' },
  'POST /assessments/:id/results/:code/copy': { page: '/assessments/{assessment}', action: '/assessments/{assessment}/results-copy', role: 'consultant', shownWhen: 'a unit on the page has a recorded result and other objects of the same category' },
  'DELETE /assessments/:id/results/:code': { page: '/assessments/{assessment}', action: '/assessments/{assessment}/results-remove', role: 'consultant', shownWhen: 'a row outside the default mapping is on the page (only those rows can be removed)' },
  'PATCH /assessments/:id/extra-items/:code': { page: '/assessments/{assessment}?layer=X', action: '/assessments/{assessment}/extra-items/{extraItem}', role: 'consultant', shownWhen: 'the assessment has extra items (X-…)' },
  'POST /assessments/:id/workbook': { page: '/assessments/{assessment}/reports', action: '/assessments/{assessment}/workbook-import', role: 'consultant' },
  'POST /assessments/:id/reports': { page: '/assessments/{assessment}/reports', action: '/assessments/{assessment}/reports', role: 'consultant' },
  // The queued artefacts: one form on the reports page, its button names the kind.
  'POST /assessments/:id/evidence-pack': { page: '/assessments/{assessment}/reports', action: '/assessments/{assessment}/artefacts', role: 'consultant' },
  'POST /assessments/:id/workbook-export': { page: '/assessments/{assessment}/reports', action: '/assessments/{assessment}/artefacts', role: 'consultant' },

  // ---- findings, hazards, verification ----
  'POST /assessments/:id/findings': { page: '/assessments/{assessment}/findings', action: '/assessments/{assessment}/findings', role: 'consultant' },
  'POST /findings/:id/remediation': { page: '/assessments/{assessment}/findings', action: '/findings/{finding}/remediation', role: 'consultant' },
  'PUT /findings/:id/risk-analysis': { page: '/assessments/{assessment}/findings', action: '/findings/{finding}/risk-analysis', role: 'consultant', shownWhen: 'the board shows the risk analysis of a finding with threat sources' },
  'POST /assessments/:id/hazards': { page: '/assessments/{assessment}/findings', action: '/assessments/{assessment}/hazards', role: 'consultant' },
  'PATCH /hazards/:id': { page: '/assessments/{assessment}/findings', action: '/hazards/{hazard}', role: 'consultant', shownWhen: 'the assessment has a major risk hazard' },
  'POST /hazards/:id/transitions': { page: '/assessments/{assessment}/findings', action: '/hazards/{hazard}', role: 'consultant', shownWhen: 'the assessment has a major risk hazard' },
  'DELETE /hazards/:id': { page: '/assessments/{assessment}/findings', action: '/hazards/{hazard}/remove', role: 'consultant', shownWhen: 'the assessment has a major risk hazard' },
  'POST /assessments/:id/scans': { page: '/assessments/{assessment}/findings', action: '/assessments/{assessment}/scans', role: 'consultant' },
  'POST /assessments/:id/pentests': { page: '/assessments/{assessment}/findings', action: '/assessments/{assessment}/pentests', role: 'consultant' },

  // ---- the system's own records: archive, inspections, 2025 filing documents ----
  'DELETE /systems/:id': { page: '/systems/{system}', action: '/systems/{system}/archive', role: 'officer' },
  'PATCH /systems/:id/inspections/:iid': { page: '/systems/{system}', action: '/systems/{system}/inspections/{inspection}/rectified', role: 'officer', shownWhen: 'the system has a supervision inspection' },
  'PUT /systems/:id/filing/data-survey': { page: '/systems/{system}/data-survey', action: '/systems/{system}/data-survey', role: 'officer' },
  'PATCH /systems/:id/protection-plans/:pid': { page: '/systems/{system}/protection-plans/{plan}', action: '/systems/{system}/protection-plans/{plan}', role: 'officer', shownWhen: 'the system has a protection plan' },

  // ---- evidence ----
  'PATCH /evidence/:id': { page: '/evidence/{evidence}', action: '/evidence/{evidence}/edit', role: 'consultant' },
  'DELETE /evidence/:id': { page: '/evidence/{evidence}', action: '/evidence/{evidence}/delete', role: 'officer' },
  'POST /evidence/:id/versions': { page: '/evidence/{evidence}', action: '/evidence/{evidence}/versions', role: 'consultant' },
  'POST /evidence/:id/links': { page: '/evidence/{evidence}', action: '/evidence/{evidence}/link', role: 'consultant' },
  'DELETE /evidence/:id/links': { page: '/evidence/{evidence}', action: '/evidence/{evidence}/unlink', role: 'consultant' },
  'POST /evidence-requests/:id/cancel': { page: '/evidence', action: '/evidence-requests/{evidenceRequest}/cancel', role: 'consultant', shownWhen: 'an evidence request is open' },

  // ---- findings and the assessment's own items ----
  'PATCH /findings/:id': { page: '/findings/{finding}', action: '/findings/{finding}/edit', role: 'consultant' },
  'DELETE /findings/:id': { page: '/findings/{finding}', action: '/findings/{finding}/delete', role: 'consultant' },
  'POST /assessments/:id/extra-items': { page: '/assessments/{assessment}/items', action: '/assessments/{assessment}/items/extra', role: 'consultant' },
  'DELETE /assessments/:id/extra-items/:code': { page: '/assessments/{assessment}/items', action: '/assessments/{assessment}/items/extra/{extraItem}/remove', role: 'consultant', shownWhen: 'the assessment has extra items (X-…)' },
  'POST /assessments/:id/inherit': { page: '/assessments/{assessment}/items', action: '/assessments/{assessment}/items/inherit', role: 'consultant' },
  'POST /assessments/:id/results/outside-mapping': { page: '/assessments/{assessment}/items', action: '/assessments/{assessment}/items/outside-add', role: 'consultant' },


  // ---- verification page: compensations (chapter 6), pen-test cases, scanner reports ----
  'POST /assessments/:id/compensations': { page: '/assessments/{assessment}/verification', action: '/assessments/{assessment}/compensations', role: 'consultant' },
  'PUT /compensations/:id': { page: '/assessments/{assessment}/verification', action: '/compensations/{compensation}/edit', role: 'consultant', shownWhen: 'the assessment has a compensating measure' },
  'DELETE /compensations/:id': { page: '/assessments/{assessment}/verification', action: '/compensations/{compensation}/remove', role: 'consultant', shownWhen: 'the assessment has a compensating measure' },
  'POST /assessments/:id/pentests/import': { page: '/assessments/{assessment}/verification', action: '/assessments/{assessment}/pentests/import', role: 'consultant' },
  'PATCH /pentests/:id': { page: '/assessments/{assessment}/verification', action: '/pentests/{pentest}/edit', role: 'consultant', shownWhen: 'the assessment has a penetration test case' },
  'DELETE /pentests/:id': { page: '/assessments/{assessment}/verification', action: '/pentests/{pentest}/remove', role: 'consultant', shownWhen: 'the assessment has a penetration test case without a finding' },
  'POST /pentests/:id/finding': { page: '/assessments/{assessment}/verification', action: '/pentests/{pentest}/finding', role: 'consultant', shownWhen: 'the assessment has a penetration test case without a finding' },
  'DELETE /scans/:id': { page: '/assessments/{assessment}/verification', action: '/scans/{scan}/remove', role: 'consultant', shownWhen: 'a scanner report was imported' },
  'POST /scan-vulnerabilities/:id/finding': { page: '/assessments/{assessment}/verification', action: '/scan-vulnerabilities/{vulnerability}/finding', role: 'consultant', shownWhen: 'a scanner report with a vulnerability without a finding was imported' },

  // ---- cloud platforms ----
  'POST /platforms': { page: '/platforms', action: '/platforms', role: 'officer' },
  'PATCH /platforms/:id': { page: '/platforms/{platform}', action: '/platforms/{platform}/edit', role: 'officer' },
  'PUT /platforms/:id/responsibilities': { page: '/platforms/{platform}', action: '/platforms/{platform}/responsibilities', role: 'officer' },
};

/** Forms being built on another branch (none now: each was moved into UI_FORMS when it landed). */
export const PENDING_FORMS: Record<string, string> = {};

/** Write routes deliberately without a form, each with its reason. */
export const NOT_IN_UI: Record<string, string> = {
  'POST /oscal/import':
    'Machine to machine: an OSCAL document comes from another tool, and its dry-run answer (a catalogue diff, unmatched controls) is read by tools; a platform matrix has its own form on the platform page.',
};
