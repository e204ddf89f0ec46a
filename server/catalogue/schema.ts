import { z } from 'zod';

/** Zod schemas of the catalogue data under controls/ (see controls/FORMAT.md). Strict: unknown keys are errors. */
export const LAYER_CODES = ['PES', 'CNS', 'ABS', 'CES', 'SMC', 'PSS', 'ORS', 'HRS', 'CMS', 'MMS'] as const;
/** Requirement sets in GB/T 28448 set-digit order (1 general, 2 cloud, 3 mobile, 4 IoT, 5 industrial control). */
export const SETS = ['general', 'cloud', 'mobile', 'iot', 'ics'] as const;
export const LEVELS = [2, 3, 4] as const;
export const DOMAINS = ['physical', 'network', 'device', 'application', 'management'] as const;
export const METHODS = ['interview', 'inspection', 'testing'] as const;
export const WEIGHTS = ['key', 'important', 'general'] as const;
export const RESPONSIBILITIES = ['provider', 'shared', 'tenant'] as const;
export const OBJECT_CATEGORIES = [
  'machine_room', 'network_device', 'security_device', 'server_storage', 'terminal', 'other_device',
  'management_platform', 'business_application', 'data_resource', 'crypto_product', 'security_personnel',
  'management_document',
  // Extension objects (mobile internet, IoT, industrial control).
  'wireless_access_point', 'mobile_terminal', 'mobile_app', 'mdm', 'sensor_node', 'gateway_node', 'field_device', 'control_device',
  'system',
] as const;
/** Categories an assessed object can have (every category but `system`, which means "once per system"). */
export const ASSESSABLE_OBJECT_CATEGORIES = OBJECT_CATEGORIES.filter((c): c is Exclude<(typeof OBJECT_CATEGORIES)[number], 'system'> => c !== 'system');
export const EXTENSIONS = ['general', 'cloud', 'mobile', 'iot', 'ics'] as const;

export type LayerCode = (typeof LAYER_CODES)[number];
export type RequirementSet = (typeof SETS)[number];
export type Domain = (typeof DOMAINS)[number];
export type ObjectCategory = (typeof OBJECT_CATEGORIES)[number];

const text = z.strictObject({ zh: z.string().trim().min(1), en: z.string().trim().min(1) });
const textList = z.strictObject({ zh: z.array(z.string().min(1)).min(1), en: z.array(z.string().min(1)).min(1) });
const clause = z.string().regex(/^\d+(\.\d+){3}( [a-z]\))?$/, 'clause like "8.1.4.1 a)" or "8.1.1.2"');

export const itemFileSchema = z.strictObject({
  code: z.string().regex(/^L[1-4]-(PES|CNS|ABS|CES|SMC|PSS|ORS|HRS|CMS|MMS)[1-5]-\d{2}$/, 'code like L3-CES1-01'),
  clause,
  text,
  methods: z.array(z.enum(METHODS)).min(1),
  steps: z.array(text).min(1),
  evidence: textList,
  objectCategories: z.array(z.enum(OBJECT_CATEGORIES)).min(1),
  weight: z.enum(WEIGHTS),
  cloudResponsibility: z.enum(RESPONSIBILITIES),
  verified: z.boolean().optional(),
  source: z.string().min(1).optional(),
  note: z.string().min(1).optional(),
});

export const layerFileSchema = z.strictObject({
  level: z.union([z.literal(2), z.literal(3), z.literal(4)]),
  set: z.enum(SETS),
  layer: z.enum(LAYER_CODES),
  source: z.string().min(1),
  verified: z.boolean(),
  controlPoints: z
    .array(
      z.strictObject({
        zh: z.string().min(1),
        en: z.string().min(1),
        clause,
        gapsBefore: z.array(z.number().int().min(1).max(99)).optional(),
        items: z.array(itemFileSchema).min(1),
      }),
    )
    .min(1),
});
export type LayerFile = z.infer<typeof layerFileSchema>;

const zhEn = z.strictObject({ zh: z.string(), en: z.string() });
export const metaSchema = z.strictObject({
  id: z.string().min(1),
  version: z.string().min(1),
  name: zhEn,
  standards: z.array(z.string()),
  levels: z.array(z.number().int()),
  sets: z.record(z.enum(SETS), z.strictObject({ digit: z.number().int(), zh: z.string(), en: z.string() })),
  layers: z.array(
    z.strictObject({
      code: z.enum(LAYER_CODES),
      zh: z.string(),
      en: z.string(),
      kind: z.enum(['technical', 'management']),
      domain: z.union([z.enum(DOMAINS), z.literal('by_object')]),
    }),
  ),
  objectCategories: z.array(
    z.strictObject({ code: z.enum(OBJECT_CATEGORIES), zh: z.string(), en: z.string(), domain: z.enum(DOMAINS).nullable() }),
  ),
  methods: z.record(z.enum(METHODS), zhEn),
  weights: z.record(z.enum(WEIGHTS), z.strictObject({ zh: z.string(), en: z.string(), value: z.number().positive().max(1) })),
  weightSource: z.string(),
  cloudResponsibility: z.record(z.enum(RESPONSIBILITIES), zhEn),
  decisionRule: zhEn,
});
export type CatalogueMeta = z.infer<typeof metaSchema>;

export const highRiskFileSchema = z.strictObject({
  source: z.string(),
  principles: z.array(zhEn),
  cases: z.array(
    z.strictObject({
      id: z.string().regex(/^\d+(\.\d+){3}$/),
      extension: z.enum(EXTENSIONS),
      layer: z.enum(LAYER_CODES),
      controlPoint: z.string(),
      title: zhEn,
      scope: z.string(),
      scopeNote: z.string().nullable(),
      minLevel: z.number().int().min(1).max(4),
      annexARow: z.number().int(),
      clauses: z.array(z.strictObject({ level: z.number().int().min(1).max(4), clause })).min(1),
      description: zhEn,
      mitigation: zhEn,
    }),
  ),
});

export const expectedCountsSchema = z.record(
  z.string().regex(/^level\d$/),
  z.partialRecord(z.enum(SETS), z.partialRecord(z.enum(LAYER_CODES), z.record(z.string(), z.number().int().min(1)))),
);
