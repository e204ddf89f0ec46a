/**
 * Every API route under /api/v1, one line each: method and express path, a summary, and who may
 * call it. Permissions name the policies of server/context.ts: `org:<permission>` is
 * ROLE_PERMISSIONS inside the resource's organisation (read, download, edit, manage, audit);
 * `platform:<action>` is PLATFORM_POLICY; `signed-in` is any caller; `public` needs no sign-in;
 * alternatives are joined by ` or `. test/e2e/openapi-permissions.test.ts calls every route as
 * each role and fails when a line here says otherwise than the route does.
 * test/e2e/openapi.test.ts fails when express answers a route this table does not describe.
 */
export const ROUTE_LINES = `
POST /me/password | Change one's own password | signed-in
GET /me/sessions | List one's own sessions | signed-in
DELETE /me/sessions/:id | End one of one's own sessions | signed-in
GET /me/mfa | Second-factor status | signed-in
POST /me/mfa/totp | Start TOTP enrolment | signed-in
POST /me/mfa/totp/confirm | Confirm TOTP enrolment | signed-in
DELETE /me/mfa/totp | Remove one's TOTP factor | signed-in
POST /me/mfa/recovery-codes | New recovery codes | signed-in
DELETE /users/:id/mfa | Reset a user's second factor | platform:users.unlock
POST /auth/login | Sign in (session cookie) | public
POST /auth/logout | Sign out | signed-in
GET /me | The caller, memberships and platform roles | signed-in
GET /tokens | List one's API tokens | signed-in
POST /tokens | Create an API token | signed-in
DELETE /tokens/:id | Revoke an API token | signed-in
GET /organizations | Organisations the caller sees | signed-in
POST /organizations | Create an organisation | platform:organizations.manage
GET /organizations/:id | One organisation | org:read or platform:organizations.list
PATCH /organizations/:id | Edit an organisation | platform:organizations.manage or org:manage
GET /organizations/:id/members | Members of an organisation | org:read or platform:organizations.list
POST /organizations/:id/members | Propose a membership | org:manage or platform:memberships.manage
PATCH /organizations/:id/members/:membershipId | Change a member's role | org:manage or platform:memberships.manage
DELETE /organizations/:id/members/:membershipId | Remove a member | org:manage or platform:memberships.manage
POST /organizations/:id/members/:membershipId/accept | Accept a proposed membership | org:manage
POST /organizations/:id/members/:membershipId/decline | Decline a proposed membership | org:manage
GET /users | List user accounts | platform:users.read
POST /users | Create a user account | platform:users.manage
GET /users/:id | One user account | platform:users.read
PATCH /users/:id | Edit or disable a user account | platform:users.manage
PUT /users/:id/roles | Grant or revoke platform roles | platform:roles.manage
POST /users/:id/unlock | Clear a sign-in lock | platform:users.unlock
GET /catalogue/items | Catalogue items (test units), filtered and paged | signed-in
GET /catalogue/items/:code | One catalogue item with its high-risk cases | signed-in
GET /catalogue/structure | Layers and control points of a level and set | signed-in
GET /catalogue/high-risk-cases | High-risk cases (判例) | signed-in
POST /evidence | Upload evidence (multipart) | org:edit
GET /evidence | List evidence | org:read
GET /evidence/:id | One evidence record | org:read
PATCH /evidence/:id | Edit evidence metadata | org:edit
DELETE /evidence/:id | Delete evidence | org:manage
POST /evidence/:id/versions | Upload a new version (multipart) | org:edit
GET /evidence/:id/download | Download the current version | org:download
GET /evidence/:id/versions/:n/download | Download one version | org:download
POST /evidence/:id/links | Link evidence to results | org:edit
DELETE /evidence/:id/links | Unlink evidence | org:edit
GET /evidence-requests | List evidence requests | org:read
POST /evidence-requests | Request evidence | org:edit
POST /evidence-requests/:id/cancel | Cancel an evidence request | org:edit
GET /deadlines | Due dates across the caller's organisations | org:read
GET /systems | List systems | org:read
POST /systems | Create a system | org:manage
GET /systems/:id | One system | org:read
PATCH /systems/:id | Edit a system | org:manage
DELETE /systems/:id | Archive a system | org:manage
POST /systems/:id/transitions | Move a system through its lifecycle | org:manage
GET /systems/:id/history | A system's lifecycle history | org:read
GET /systems/:id/gradings | Gradings (定级) of a system | org:read
POST /systems/:id/gradings | Propose a grading | org:edit
POST /systems/:id/gradings/:gid/review | Record the expert review | org:manage
POST /systems/:id/gradings/:gid/approval | Record the approval | org:manage
GET /systems/:id/filing | The filing (备案) | org:read
PUT /systems/:id/filing | Save the filing | org:manage
GET /systems/:id/inspections | Inspections | org:read
POST /systems/:id/inspections | Record an inspection | org:manage
PATCH /systems/:id/inspections/:iid | Edit an inspection | org:manage
GET /systems/:id/filing/data-survey | The 2025 data survey | org:read
PUT /systems/:id/filing/data-survey | Save the 2025 data survey | org:manage
GET /systems/:id/filing/data-survey.xlsx | The data survey as a workbook | org:download
GET /systems/:id/protection-plans | Protection plans | org:read
GET /systems/:id/protection-plans/draft | Draft a protection plan | org:read
POST /systems/:id/protection-plans | Save a protection plan | org:manage
PATCH /systems/:id/protection-plans/:pid | Edit a protection plan | org:manage
GET /assessments/:id/extra-items | The assessor's own items | org:read
POST /assessments/:id/extra-items | Add an assessor's item | org:edit
PATCH /assessments/:id/extra-items/:code | Edit an assessor's item | org:edit
DELETE /assessments/:id/extra-items/:code | Remove an assessor's item | org:edit
GET /systems/:id/objects | Assessed objects of a system | org:read
POST /systems/:id/objects | Add assessed objects | org:edit
PATCH /objects/:id | Edit an assessed object | org:edit
DELETE /objects/:id | Remove an assessed object | org:edit
GET /assessments | List assessments | org:read
POST /assessments | Start an assessment | org:edit
GET /assessments/:id | One assessment | org:read
PATCH /assessments/:id | Edit an assessment | org:edit
POST /assessments/:id/transitions | Move an assessment through its workflow | org:edit
POST /assessments/:id/revisions | Reopen a concluded assessment as a revision | org:edit
GET /assessments/:id/results | Results per test unit and object | org:read
PUT /assessments/:id/results/:code | Record a result | org:edit
POST /assessments/:id/results/bulk | Record many results | org:edit
POST /assessments/:id/results/:code/copy | Copy a result to other objects | org:edit
POST /assessments/:id/results/outside-mapping | Map results outside the catalogue | org:edit
DELETE /assessments/:id/results/:code | Clear a result | org:edit
GET /assessments/:id/summary | Scores, conclusion and its rule | org:read
GET /assessments/:id/findings | Findings (问题) | org:read
POST /assessments/:id/findings | Record a finding | org:edit
PATCH /findings/:id | Edit a finding | org:edit
DELETE /findings/:id | Remove a finding | org:edit
POST /findings/:id/remediation | Record remediation | org:edit
GET /major-risk-triggers | Major-risk triggers | public
GET /assessments/:id/hazards | Hazards (隐患) | org:read
GET /assessments/:id/hazards/suggestions | Suggested hazards | org:read
POST /assessments/:id/hazards | Record a hazard | org:edit
GET /hazards/:id | One hazard | org:read
PATCH /hazards/:id | Edit a hazard | org:edit
POST /hazards/:id/transitions | Move a hazard through its workflow | org:edit
DELETE /hazards/:id | Remove a hazard | org:edit
GET /verification-tables | Verification tables (scans, pentests) | public
POST /assessments/:id/scans | Upload a scanner report (multipart) | org:edit
GET /assessments/:id/scans | Scanner reports | org:read
GET /assessments/:id/vulnerabilities | Vulnerabilities from scans | org:read
GET /scans/:id | One scanner report | org:read
DELETE /scans/:id | Remove a scanner report | org:edit
POST /scan-vulnerabilities/:id/finding | Turn a vulnerability into a finding | org:edit
GET /assessments/:id/pentests | Penetration tests | org:read
POST /assessments/:id/pentests | Record a penetration test | org:edit
POST /assessments/:id/pentests/import | Import penetration tests (multipart) | org:edit
PATCH /pentests/:id | Edit a penetration test | org:edit
DELETE /pentests/:id | Remove a penetration test | org:edit
POST /pentests/:id/finding | Turn a penetration test into a finding | org:edit
GET /assessments/:id/compensations | Compensating measures | org:read
POST /assessments/:id/compensations | Record a compensating measure | org:edit
PUT /compensations/:id | Edit a compensating measure | org:edit
DELETE /compensations/:id | Remove a compensating measure | org:edit
GET /findings/:id | One finding | org:read
GET /findings/:id/risk-analysis/suggestion | Suggested risk analysis | org:read
PUT /findings/:id/risk-analysis | Save the risk analysis | org:edit
GET /products | Security product catalogue | signed-in
GET /products/categories | Product categories | signed-in
GET /systems/:id/deployed-products | Products deployed in a system | org:read
POST /systems/:id/deployed-products | Record deployed products | org:edit
GET /assessments/:id/recommendations | Recommendations from platform and products | org:read
POST /assessments/:id/inherit | Inherit results from the cloud platform | org:edit
GET /platforms | Cloud platforms | signed-in
POST /platforms | Create a cloud platform (shared: platform:platforms.publish) | org:manage
GET /platforms/:id | One cloud platform | org:read
PATCH /platforms/:id | Edit a cloud platform | org:manage
GET /platforms/:id/responsibilities | The responsibility matrix | org:read
PUT /platforms/:id/responsibilities | Save the responsibility matrix | org:manage
GET /assessments/:id/workbook.xlsx | Export the field workbook (queued, waited for; 202 if still running) | org:download
POST /assessments/:id/workbook-export | Queue the field workbook (202; poll /reports/:id) | org:download
POST /assessments/:id/workbook | Import the field workbook (dry run, or apply queued and waited for) | org:edit
GET /assessments/:id/evidence-pack.zip | Evidence pack (queued, waited for; 202 if still running) | org:download
POST /assessments/:id/evidence-pack | Queue the evidence pack (202; poll /reports/:id) | org:download
POST /assessments/:id/reports | Render a report (job) | org:download
GET /assessments/:id/reports | Reports of an assessment | org:read
GET /reports/:id | One report job | org:read
GET /reports/:id/download | Download a report | org:download
POST /organizations/:id/report-templates | Upload a report template (multipart) | org:manage
GET /organizations/:id/report-templates | Report templates | org:read
GET /report-templates/:id | One report template | org:read
GET /report-templates/:id/versions/:version/download | Download a template version | org:download
POST /systems/:id/documents | Upload a system document (multipart) | org:edit
GET /systems/:id/documents | System documents | org:read
GET /documents/:id/download | Download a system document | org:download
GET /audit | The audit trail (organizationId: an organisation's) | org:audit or platform:audit.platform
GET /audit/export.csv | Export the audit trail (CSV) | org:audit or platform:audit.platform
GET /audit/export.xlsx | Export the audit trail (xlsx) | org:audit or platform:audit.platform
GET /oscal/catalog | The catalogue as an OSCAL catalog (level, requirement sets) | signed-in
GET /oscal/profile | An OSCAL profile of a level and requirement sets | signed-in
GET /assessments/:id/oscal/assessment-results | An assessment as OSCAL assessment-results (observations with evidence hashes, findings, risks, the conclusion) | org:read
GET /assessments/:id/oscal/poam | The remediation plan as an OSCAL plan-of-action-and-milestones | org:read
GET /platforms/:id/oscal/component-definition | A cloud platform's responsibility matrix and results as an OSCAL component-definition | org:read
POST /oscal/import | Import an OSCAL document (multipart file): a catalog compared with the catalogue (dryRun=1); a component-definition as a platform's responsibility matrix (target=platform, platformId) or as the organisation's own products, deployable on its systems (target=product, organizationId; re-importing a document uuid replaces); dry run first | signed-in
GET /openapi.json | This OpenAPI document | public
`;
