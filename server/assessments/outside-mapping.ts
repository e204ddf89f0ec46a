/**
 * Result rows outside the catalogue's default object mapping ("outside default mapping"): field
 * practice judges every 安全计算环境 item on every object, and judges the cloud-extension
 * computing-environment items once for the whole system. Such rows are added on purpose (by the
 * workbook import or the assessor through the API), marked `outside_mapping`, and then belong to
 * the scope like any other row:
 *
 * - a marked row is kept while its object is selected (a whole-system row always);
 * - a marked whole-system row means "this unit is assessed once for the system": the unit's
 *   per-object rows are no longer expected (those still not assessed go; assessed ones stay);
 * - symmetrically, marked per-object rows of a unit normally judged once for the system (or
 *   with no object of its categories) mean "assessed per object": its default whole-system row
 *   is no longer expected (it goes while not assessed).
 */
export function withOutsideMapping(
  want: Array<{ code: string; objectKey: string }>,
  have: ReadonlyArray<{ code: string; object_key: string; outside_mapping: unknown }>,
  selectedObjects: ReadonlySet<string>,
): Array<{ code: string; objectKey: string }> {
  const marked = have.filter((r) => r.outside_mapping === true || r.outside_mapping === 1 || r.outside_mapping === '1');
  const wholeSystem = new Set(marked.filter((r) => r.object_key === 'system').map((r) => r.code));
  const perObject = new Set(marked.filter((r) => r.object_key !== 'system' && selectedObjects.has(r.object_key)).map((r) => r.code));
  const out = want.filter((r) => (r.objectKey === 'system' ? !perObject.has(r.code) : !wholeSystem.has(r.code)));
  const keys = new Set(out.map((r) => `${r.code}|${r.objectKey}`));
  for (const r of marked) {
    if (r.object_key !== 'system' && !selectedObjects.has(r.object_key)) continue;
    if (!keys.has(`${r.code}|${r.object_key}`)) out.push({ code: r.code, objectKey: r.object_key });
  }
  return out;
}
