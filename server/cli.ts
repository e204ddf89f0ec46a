import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createDatabase, migrateDown, migrateLatest, migrationStatus, type Knex } from './database/index.js';
import { loadDemoData } from './services/demo.js';
import { createUser } from './services/users.js';
import type { RequirementSet } from './catalogue/schema.js';

const HELP = `Usage: dengbao <command> [options]

Commands:
  start                      start the server (same as npm start)
  worker                     run background jobs (reports) without HTTP; PostgreSQL only;
                             any number, on any machine reaching the database and the evidence store
  migrate [latest]           apply pending database migrations
  migrate status             list applied and pending migrations
  migrate down               roll back the last migration
  demo                       load the demo organisations and users into an empty database
  user create <username> --password <pw> [--name <display name>] [--role <role>] [--admin]
                             create a user; --role system_admin|security_admin|audit_admin
                             (--admin = --role system_admin): the administrators of a DEMO=0 installation
  user role <username> [<role>...]
                             set a user's platform roles (none: remove them); one role per account
                             unless ALLOW_COMBINED_ADMIN_ROLES=1
  user unlock <username>     lift every sign-in lock of an account
  user reset-mfa <username>  remove an account's second factor (lost authenticator and recovery codes)
  audit verify               check every audit chain; exit 1 naming each modified, inserted or deleted entry
  audit purge --before <date>
                             delete audit entries older than the date (refused when younger than 180 days)
  evidence verify            re-hash every stored file (evidence, archived reports, workbook uploads);
                             exit 1 listing missing or corrupted ones
  backup <dir>               online backup into an empty directory: the database (consistent snapshot),
                             every stored file, manifest.json with their SHA-256 and the row counts
  restore <dir>              restore a backup into an empty database and DATA_DIR; verifies every hash
                             first and the row counts after; exit 1 naming what fails
  pack verify <zip>          check an evidence pack against its manifest; exit 1 listing each problem
  catalogue validate [--dir <controls dir>]
                             check the catalogue data; lists every problem, exit 1 if any
  browser status             which browser prints PDF reports, or why none (exit 1 when none)
  browser install            download chrome-headless-shell when no browser is found
  catalogue export [--level 2|3|4] [--set general|cloud|mobile|iot|ics] [--format json|csv|xlsx] [--out <file>]
                             write the catalogue (or a part) to a file or to standard output
  oscal export catalog|profile --level 2|3|4 [--sets general,cloud,...] [--out <file>]
                             write the catalogue as an OSCAL 1.1 catalog (or a profile of it) in JSON
  oscal import <catalog.json>
                             compare an OSCAL catalog with the catalogue (writes nothing); exit 1 listing
                             schema errors or differences

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
    case 'worker': {
      const { runWorker } = await import('./jobs/worker-process.js');
      return runWorker();
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
        options: { password: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' }, role: { type: 'string', multiple: true } },
      });
      const [sub, username, ...more] = positionals;
      const { PLATFORM_ROLES, SYSTEM_CALLER } = await import('./context.js');
      const isRole = (r: string): r is (typeof PLATFORM_ROLES)[number] => (PLATFORM_ROLES as readonly string[]).includes(r);
      const config = loadConfig();
      if ((sub === 'unlock' || sub === 'reset-mfa') && username) return userRepair(sub, username);
      if (sub === 'role' && username) {
        const bad = more.filter((r) => !isRole(r));
        if (bad.length) return usage(`Unknown role ${bad.join(', ')}: one of ${PLATFORM_ROLES.join(', ')}`);
        return withDb(async (db) => {
          await migrateLatest(db);
          const user = await db('users').where({ username: username.trim().toLowerCase() }).first();
          if (!user) {
            console.error(`No user ${username}`);
            return 1;
          }
          const { setPlatformRoles } = await import('./services/platform-roles.js');
          const roles = await setPlatformRoles(db, SYSTEM_CALLER, user.id, more.filter(isRole), config.allowCombinedAdminRoles);
          console.log(`${user.username}: ${roles.join(', ') || 'no platform role'}`);
          return 0;
        });
      }
      if (sub !== 'create' || !username || !values.password) {
        console.error(HELP);
        return 2;
      }
      const roles = [...(values.role ?? []), ...(values.admin ? ['system_admin'] : [])];
      const bad = roles.filter((r) => !isRole(r));
      if (bad.length) return usage(`Unknown role ${bad.join(', ')}: one of ${PLATFORM_ROLES.join(', ')}`);
      if (new Set(roles).size > 1 && !config.allowCombinedAdminRoles) return usage('One account holds at most one platform role (set ALLOW_COMBINED_ADMIN_ROLES=1 to allow more)');
      const { passwordPolicyOf, policyProblems } = await import('./services/credentials.js');
      const problems = policyProblems(values.password, passwordPolicyOf(loadConfig()));
      if (problems.length) {
        console.error(`--password: ${problems.map((p) => p.message).join('; ')}`);
        return 2;
      }
      return withDb(async (db) => {
        await migrateLatest(db);
        const { recordAudit } = await import('./audit/chain.js');
        const user = await createUser(db, { username, password: values.password!, displayName: values.name ?? username, roles: roles.filter(isRole) });
        await recordAudit(db, { action: 'user.create', actorName: 'cli', targetType: 'user', targetId: user.id, changes: { username: user.username, roles: user.roles, password: '***' } });
        console.log(`Created user ${user.username}${user.roles.length ? ` (${user.roles.join(', ')})` : ''}`);
        return 0;
      });
    }
    case 'audit': {
      if (rest[0] === 'verify') {
        const { verifyAuditTrail } = await import('./audit/verify.js');
        return withDb(async (db) => {
          const report = await verifyAuditTrail(db);
          for (const p of report.problems) console.error(p.message);
          console.log(`Audit trail ${report.problems.length ? 'NOT OK' : 'OK'}: ${report.chains} chains, ${report.entries} entries, ${report.problems.length} problem(s)`);
          // The heads, to record elsewhere: a later run proves nothing before them was rewritten.
          for (const h of report.heads) console.log(`head ${h.chain} #${h.seq} ${h.hash}`);
          return report.problems.length ? 1 : 0;
        });
      }
      if (rest[0] === 'purge') {
        const { values } = parseArgs({ args: rest.slice(1), options: { before: { type: 'string' } } });
        if (!values.before) return usage('Usage: dengbao audit purge --before <YYYY-MM-DD>');
        const { purgeAuditTrail } = await import('./audit/purge.js');
        return withDb(async (db) => {
          try {
            const { deleted } = await purgeAuditTrail(db, values.before!);
            console.log(`Deleted ${deleted} audit entries older than ${values.before}`);
            return 0;
          } catch (err) {
            console.error((err as { params?: { reason?: string } }).params?.reason ?? (err as Error).message);
            return 1;
          }
        });
      }
      return usage(`Unknown audit command: ${rest[0] ?? '(none)'}`);
    }
    case 'catalogue':
      return catalogueCommand(rest);
    case 'oscal':
      return (await import('./oscal-cli.js')).oscalCommand(rest, usage);
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
      const { createBlobStore, closeBlobStore } = await import('./storage/index.js');
      const store = createBlobStore(config);
      return withDb(async (db) => {
        const report = await verifyStoredFiles(db, store).finally(() => closeBlobStore(store));
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
  const { validateControls } = await import('./controls/validate.js');
  const { LEVELS, SETS } = await import('./catalogue/schema.js');
  const report = validateControls(values.dir ? (await import('node:path')).resolve(values.dir) : undefined);
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

/** The operator's way back in when an administrator is locked out or lost their second factor. */
async function userRepair(sub: 'unlock' | 'reset-mfa', username: string): Promise<number> {
  return withDb(async (db) => {
    await migrateLatest(db);
    const user = await db('users').where({ username: username.trim().toLowerCase() }).first();
    if (!user) {
      console.error(`No user ${username}`);
      return 1;
    }
    if (sub === 'unlock') {
      const { LoginThrottle } = await import('./services/throttle.js');
      await new LoginThrottle(db, { pairMaxFailures: 1, accountMaxFailures: 1, ipMaxFailures: 1, lockMinutes: 1 }).unlock(user.id, user.username);
      console.log(`Unlocked ${user.username}`);
    } else {
      const { clearSecondFactor } = await import('./services/account.js');
      await clearSecondFactor(db, user.id);
      await db('sessions').where({ user_id: user.id }).delete();
      console.log(`Removed the second factor of ${user.username}; they set up a new one at their next sign-in`);
    }
    return 0;
  });
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
