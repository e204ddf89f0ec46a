import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createDatabase, migrateDown, migrateLatest, migrationStatus, type Knex } from './database/index.js';
import { loadDemoData } from './services/demo.js';
import { createUser } from './services/users.js';
import type { RequirementSet } from './catalogue/schema.js';

const HELP = `Usage: dengbao <command> [options]

Commands:
  start                      start the server (same as npm start)
  migrate [latest]           apply pending database migrations
  migrate status             list applied and pending migrations
  migrate down               roll back the last migration
  demo                       load the demo organisations and users into an empty database
  user create <username> --password <pw> [--name <display name>] [--admin]
                             create a user (the first admin of a DEMO=0 installation)
  evidence verify            re-hash every stored evidence file; exit 1 listing missing or corrupted ones
  pack verify <zip>          check an evidence pack against its manifest; exit 1 listing each problem
  catalogue validate [--dir <controls dir>]
                             check the catalogue data; lists every problem, exit 1 if any
  browser status             which browser prints PDF reports, or why none (exit 1 when none)
  browser install            download chrome-headless-shell when no browser is found
  catalogue export [--level 2|3|4] [--set general|cloud|mobile|iot|ics] [--format json|csv|xlsx] [--out <file>]
                             write the catalogue (or a part) to a file or to standard output

Configuration comes from environment variables (see README.md).`;

async function withDb<T>(fn: (db: Knex) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { startServer } = await import('./server.js');
      await startServer();
      return -1; // keep running
    }
    case 'migrate': {
      const sub = rest[0] ?? 'latest';
      return withDb(async (db) => {
        if (sub === 'latest') {
          const applied = await migrateLatest(db);
          console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date');
        } else if (sub === 'status') {
          const { completed, pending } = await migrationStatus(db);
          console.log(`Applied (${completed.length}): ${completed.join(', ') || '-'}\nPending (${pending.length}): ${pending.join(', ') || '-'}`);
        } else if (sub === 'down') {
          const rolled = await migrateDown(db);
          console.log(rolled.length ? `Rolled back: ${rolled.join(', ')}` : 'Nothing to roll back');
        } else {
          console.error(`Unknown migrate command: ${sub}\n\n${HELP}`);
          return 2;
        }
        return 0;
      });
    }
    case 'demo':
      return withDb(async (db) => {
        await migrateLatest(db);
        const loaded = await loadDemoData(db);
        console.log(loaded ? 'Demo data loaded' : 'The database already has users: demo data not loaded');
        return loaded ? 0 : 1;
      });
    case 'user': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { password: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' } },
      });
      const [sub, username] = positionals;
      if (sub !== 'create' || !username || !values.password) {
        console.error(HELP);
        return 2;
      }
      const { fields } = await import('./http/validate.js');
      const checked = fields.password.safeParse(values.password);
      if (!checked.success) {
        console.error(`--password: ${checked.error.issues.map((i) => i.message).join('; ')}`);
        return 2;
      }
      return withDb(async (db) => {
        await migrateLatest(db);
        const user = await createUser(db, { username, password: values.password!, displayName: values.name ?? username, isAdmin: values.admin });
        console.log(`Created user ${user.username}${user.isAdmin ? ' (admin)' : ''}`);
        return 0;
      });
    }
    case 'catalogue':
      return catalogueCommand(rest);
    case 'pack': {
      if (rest[0] !== 'verify' || !rest[1]) return usage('Usage: dengbao pack verify <zip>');
      const { verifyPack } = await import('../reports/pack/verify.js');
      const report = await verifyPack(rest[1]);
      for (const p of report.problems) console.error(p);
      console.log(report.ok ? `Evidence pack OK: ${report.files} files match the manifest` : `Evidence pack NOT OK: ${report.problems.length} problem(s); ${report.files} files listed in the manifest`);
      return report.ok ? 0 : 1;
    }
    case 'evidence': {
      if (rest[0] !== 'verify') return usage(`Unknown evidence command: ${rest[0] ?? '(none)'}`);
      const config = loadConfig();
      const { verifyEvidenceFiles } = await import('./evidence/verify.js');
      const { FsBlobStore } = await import('./storage/fs-blob-store.js');
      const path = await import('node:path');
      return withDb(async (db) => {
        const report = await verifyEvidenceFiles(db, new FsBlobStore(path.join(config.dataDir, 'evidence')));
        for (const p of report.problems) console.error(`${p.state.toUpperCase()}: organisation ${p.organizationId} file ${p.hash} (evidence ${p.evidence.join(', ')})`);
        console.log(`Checked ${report.checked} stored files: ${report.problems.length} missing or corrupted`);
        return report.problems.length ? 1 : 0;
      });
    }
    case 'browser': {
      const { browserCommand } = await import('./cli-browser.js');
      return browserCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      console.error(`Unknown command: ${command}\n\n${HELP}`);
      return 2;
  }
}

async function catalogueCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      level: { type: 'string' },
      set: { type: 'string' },
      format: { type: 'string', default: 'json' },
      out: { type: 'string' },
    },
  });
  const { validateCatalogue } = await import('./catalogue/validate.js');
  const { LEVELS, SETS } = await import('./catalogue/schema.js');
  const report = validateCatalogue(values.dir);
  if (positionals[0] === 'validate') {
    if (!report.ok) {
      console.error(`Catalogue invalid: ${report.problems.length} problem(s)\n  ${report.problems.join('\n  ')}`);
      return 1;
    }
    const c = report.catalogue!;
    // e.g. "level 3: 211 general + 46 cloud + 19 mobile + 20 iot + 21 ics"
    const perLevel = LEVELS.map((level) => `level ${level}: ${SETS.map((set) => `${c.query({ level, set }).length} ${set}`).join(' + ')}`);
    console.log(`Catalogue ${c.version} is valid: ${c.items.length} units (${perLevel.join('; ')}), ${c.highRiskCases.length} high-risk cases`);
    return 0;
  }
  if (positionals[0] === 'export') {
    if (!report.catalogue) {
      console.error(report.problems.join('\n'));
      return 1;
    }
    const level = values.level === undefined ? undefined : Number(values.level);
    if (level !== undefined && !(LEVELS as readonly number[]).includes(level)) return usage(`--level must be one of ${LEVELS.join(', ')}`);
    if (values.set !== undefined && !(SETS as readonly string[]).includes(values.set)) return usage(`--set must be one of ${SETS.join(', ')}`);
    const format = values.format!;
    if (!['json', 'csv', 'xlsx'].includes(format)) return usage('--format must be json, csv or xlsx');
    if (format === 'xlsx' && !values.out) return usage('--out <file> is required for xlsx');
    const c = report.catalogue;
    const items = c.query({ level, set: values.set as RequirementSet | undefined });
    const { catalogueCsv, catalogueJson, catalogueXlsx } = await import('../reports/catalogue/export.js');
    const title = `${c.meta.name.zh} ${level ? `L${level}` : ''} ${values.set ?? ''}`.trim();
    const body = format === 'json' ? catalogueJson(c, items) : format === 'csv' ? catalogueCsv(c, items) : await catalogueXlsx(c, items, title);
    if (values.out) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(values.out, body);
      console.error(`Wrote ${items.length} units to ${values.out}`);
    } else {
      // Wait for the pipe to drain: process.exit() would cut a large export short.
      await new Promise<void>((resolve, reject) => process.stdout.write(body, (err) => (err ? reject(err) : resolve())));
    }
    return 0;
  }
  return usage(`Unknown catalogue command: ${positionals[0] ?? '(none)'}`);
}

function usage(message: string): number {
  console.error(`${message}\n\n${HELP}`);
  return 2;
}

try {
  const code = await runCli(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error((err as Error).message);
  process.exit(1);
}
