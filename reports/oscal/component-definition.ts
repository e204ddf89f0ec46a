import type { PlatformView } from '../../server/cloud/platform-rules.js';
import type { Catalogue } from '../../server/catalogue/index.js';
import { itemPartId } from './catalog.js';
import { oscalTime, unitControlId } from './assessment-common.js';
import { OSCAL_VERSION, prop, uuidV5 } from './common.js';

type Json = Record<string, unknown>;

export interface MatrixRow {
  code: string;
  responsibility: 'provider' | 'shared' | 'tenant';
  platformResult: string | null;
  note: string | null;
  overridden: boolean;
}

const RESPONSIBILITY_ZH = { provider: '云服务商负责', shared: '共同负责', tenant: '云服务客户负责' } as const;

/**
 * A cloud platform as an OSCAL component-definition: one `service` component with the platform's
 * own conclusion, and per control point an implemented requirement whose statements are the
 * units with their responsibility (provider / shared / tenant) and the platform's result. Pure.
 */
export function buildComponentDefinition(catalogue: Catalogue, platform: PlatformView, matrix: MatrixRow[], catalogHref: string): { 'component-definition': Json } {
  const byControl = new Map<string, MatrixRow[]>();
  for (const row of matrix) {
    const id = unitControlId(catalogue, row.code);
    if (id) byControl.set(id, [...(byControl.get(id) ?? []), row]);
  }
  const requirements = [...byControl].map(([controlId, rows]) => ({
    uuid: uuidV5(`implemented-requirement:${platform.id}:${controlId}`),
    'control-id': controlId,
    description: rows.map((r) => `${r.code}: ${RESPONSIBILITY_ZH[r.responsibility]}`).join('\n'),
    statements: rows.map((r) => ({
      'statement-id': itemPartId(r.code),
      uuid: uuidV5(`statement:${platform.id}:${r.code}`),
      description: `${RESPONSIBILITY_ZH[r.responsibility]}${r.note ? `：${r.note}` : ''}`,
      props: [
        prop('unit-code', r.code),
        prop('responsibility', r.responsibility),
        ...(r.platformResult ? [prop('platform-result', r.platformResult)] : []),
        ...(r.overridden ? [prop('overridden', 'true')] : []),
      ],
    })),
  }));
  return {
    'component-definition': {
      uuid: uuidV5(`component-definition:${platform.id}`),
      metadata: {
        title: `${platform.provider} ${platform.product} 责任矩阵`,
        'last-modified': oscalTime(platform.updatedAt),
        version: platform.reportNumber,
        'oscal-version': OSCAL_VERSION,
      },
      components: [
        {
          uuid: uuidV5(`component:${platform.id}`),
          type: 'service',
          title: platform.product,
          description: `${platform.provider} ${platform.product}${platform.region ? ` (${platform.region})` : ''}`,
          props: [
            prop('platform-id', platform.id),
            prop('provider', platform.provider),
            prop('level', platform.level),
            prop('report-number', platform.reportNumber),
            prop('assessing-organization', platform.assessingOrganization),
            prop('conclusion', platform.conclusion),
            prop('test-date', platform.testDate),
            prop('valid-until', platform.validUntil),
          ],
          ...(requirements.length
            ? {
                'control-implementations': [
                  {
                    uuid: uuidV5(`control-implementation:${platform.id}:level-${platform.level}`),
                    source: `${catalogHref}?level=${platform.level}`,
                    description: `第${platform.level}级测评单元的责任划分与云平台测评结果`,
                    'implemented-requirements': requirements,
                  },
                ],
              }
            : {}),
        },
      ],
    },
  };
}
