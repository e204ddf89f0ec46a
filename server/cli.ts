import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createDatabase, migrateDown, migrateLatest, migrationStatus, type Knex } from './database/index.js';
import { loadDemoData } from './services/demo.js';
import { createUser } from './services/users.js';

const HELP = `Usage: dengbao <command> [options]

Commands:
  start                      start the server (same as npm start)
  migrate [latest]           apply pending database migrations
  migrate status             list applied and pending migrations
  migrate down               roll back the last migration
  demo                       load the demo organisations and users into an empty database
  user create <username> --password <pw> [--name <display name>] [--admin]
                             create a user (the first admin of a DEMO=0 installation)
  evidence verify            re-hash every stored file (evidence, archived reports, workbook uploads);
                             exit 1 listing missing or corrupted ones
  backup <dir>               online backup into an empty directory: the database (consistent snapshot),
                             every stored file, manifest.json with their SHA-256 and the row counts
  restore <dir>              restore a backup into an empty database and DATA_DIR; verifies every hash
                             first and the row counts after; exit 1 naming what fails
  pack verify <zip>          check an evidence pack against its manifest; exit 1 listing each problem
  catalogue validate [--dir <controls dir>]
                             check the catalogue data; lists every problem, exit 1 if any
  catalogue export [--level 3|4] [--set general|cloud] [--format json|csv|xlsx] [--out <file>]
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
      const { verifyStoredFiles } = await import('./evidence/verify.js');
      const { FsBlobStore } = await import('./storage/fs-blob-store.js');
      const path = await import('node:path');
      return withDb(async (db) => {
        const report = await verifyStoredFiles(db, new FsBlobStore(path.join(config.dataDir, 'evidence')));
        const what = { evidence: 'evidence', report: 'report', workbook: 'workbook upload for assessment' } as const;
        for (const p of report.problems) console.error(`${p.state.toUpperCase()}: organisation ${p.organizationId} file ${p.hash} (${what[p.kind]} ${p.refs.join(', ') || '-'})`);
        for (const u of report.unregistered) console.error(`WARNING: unregistered file: organisation ${u.organizationId} file ${u.hash} (no record points at it)`);
        const k = report.byKind;
        console.log(
          `Checked ${report.checked} stored files (evidence ${k.evidence}, archived reports ${k.report}, workbook uploads ${k.workbook}): ` +
            `${report.problems.length} missing or corrupted${report.unregistered.length ? `, ${report.unregistered.length} unregistered` : ''}`,
        );
        return report.problems.length ? 1 : 0;
      });
    }
    case 'backup': {
      if (!rest[0]) return usage('Usage: dengbao backup <dir>');
      const { createBackup, discardBackup, BackupRefusedError } = await import('./backup/backup.js');
      const path = await import('node:path');
      const dir = path.resolve(rest[0]);
      const config = loadConfig();
      return withDb(async (db) => {
        try {
          const result = await createBackup(config, db, dir);
          if (!result.manifest) {
            for (const p of result.problems) console.error(p);
            await discardBackup(dir);
            console.error(`Backup FAILED: ${result.problems.length} stored file(s) missing or corrupted; nothing kept in ${dir}`);
            return 1;
          }
          const m = result.manifest;
          const rows = Object.values(m.tables).reduce((a, b) => a + b, 0);
          console.log(`Backup written to ${dir}: ${m.engine} database (${Object.keys(m.tables).length} tables, ${rows} rows), ${m.blobs.length} stored files; manifest.json lists their SHA-256`);
          return 0;
        } catch (err) {
          if (err instanceof BackupRefusedError) {
            console.error(err.message);
            return 1;
          }
          await discardBackup(dir);
          throw err;
        }
      });
    }
    case 'restore': {
      if (!rest[0]) return usage('Usage: dengbao restore <dir>');
      const { restoreBackup } = await import('./backup/restore.js');
      const path = await import('node:path');
      const dir = path.resolve(rest[0]);
      const result = await restoreBackup(loadConfig(), dir);
      for (const p of result.problems) console.error(p);
      const m = result.manifest;
      if (result.outcome === 'restored') {
        console.log(`Restored ${dir}: ${Object.keys(m!.tables).length} tables with the backup's row counts, ${m!.blobs.length} stored files verified`);
        return 0;
      }
      console.error(
        result.outcome === 'invalid'
          ? `Restore REFUSED: the backup does not match its manifest (${result.problems.length} problem(s)); nothing was restored`
          : result.outcome === 'refused'
            ? 'Restore REFUSED: restore only into an empty database and an empty DATA_DIR; nothing was restored'
            : `Restore FAILED the checks after restoring: ${result.problems.length} problem(s)`,
      );
      return 1;
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
  const report = validateCatalogue(values.dir);
  if (positionals[0] === 'validate') {
    if (!report.ok) {
      console.error(`Catalogue invalid: ${report.problems.length} problem(s)\n  ${report.problems.join('\n  ')}`);
      return 1;
    }
    const c = report.catalogue!;
    const count = (level: number, set: 'general' | 'cloud') => c.query({ level, set }).length;
    console.log(
      `Catalogue ${c.version} is valid: ${c.items.length} units (level 3: ${count(3, 'general')} general + ${count(3, 'cloud')} cloud; ` +
        `level 4: ${count(4, 'general')} general + ${count(4, 'cloud')} cloud), ${c.highRiskCases.length} high-risk cases`,
    );
    return 0;
  }
  if (positionals[0] === 'export') {
    if (!report.catalogue) {
      console.error(report.problems.join('\n'));
      return 1;
    }
    const level = values.level === undefined ? undefined : Number(values.level);
    if (level !== undefined && level !== 3 && level !== 4) return usage('--level must be 3 or 4');
    if (values.set !== undefined && values.set !== 'general' && values.set !== 'cloud') return usage('--set must be general or cloud');
    const format = values.format!;
    if (!['json', 'csv', 'xlsx'].includes(format)) return usage('--format must be json, csv or xlsx');
    if (format === 'xlsx' && !values.out) return usage('--out <file> is required for xlsx');
    const c = report.catalogue;
    const items = c.query({ level, set: values.set as 'general' | 'cloud' | undefined });
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
