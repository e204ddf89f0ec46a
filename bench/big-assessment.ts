/**
 * A level-3 assessment with `objects` assessed objects (40 → ~1,000 result rows, 300 → ~7,600),
 * every result filled in, for the report benchmarks.
 */
import { shippedCatalogue } from '../server/catalogue/index.js';
import type { Knex } from '../server/database/index.js';
import type { Caller } from '../server/context.js';
import { AssessmentsService } from '../server/assessments/service.js';
import { ObjectsService } from '../server/assessments/objects.js';
import { ResultsService } from '../server/assessments/results.js';
import { SystemsService } from '../server/systems/service.js';
import { GradingsService } from '../server/systems/gradings.js';

export async function bigAssessment(knex: Knex, caller: Caller, objects: number): Promise<string> {
  const ctx = { knex, caller };
  const org = [...caller.memberships.keys()][0]!;
  const sys = await new SystemsService(ctx).create(org, { name: `Bench system (${objects} objects)`, deployment: 'on_premises' });
  await new GradingsService(ctx).create(sys.id, { businessHarms: [{ object: 'social', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }], rationale: 'benchmark system graded at level 3', gradedOn: '2026-01-05' });
  const cats = ['network_device', 'security_device', 'server_storage', 'server_storage', 'terminal', 'management_platform', 'business_application', 'data_resource'];
  const width = String(objects).length;
  await new ObjectsService(ctx).create(sys.id, Array.from({ length: objects }, (_, i) => ({ category: cats[i % cats.length]!, name: `OBJ-${String(i + 1).padStart(width, '0')}`, importance: 'key' as const })));
  const a = await new AssessmentsService(ctx, shippedCatalogue()).create({ systemId: sys.id, kind: 'formal_test' });
  const results = new ResultsService(ctx);
  const rows = await results.list(a.id);
  const values = ['conform', 'conform', 'conform', 'partial', 'nonconform', 'na'] as const;
  await results.bulk(a.id, rows.map((r, i) => ({ code: r.code, objectId: r.objectId, value: values[i % values.length]!, record: `核查记录 ${i}：访谈管理员并查看配置，符合要求的部分已记录。`, rowVersion: r.rowVersion })));
  return a.id;
}
