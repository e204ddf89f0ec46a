import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config, DatabaseEngine } from '../../server/config.js';
import { createDatabase, type Knex } from '../../server/database/index.js';
import { TEST_PG_URL } from './engines.js';

export interface TestDatabase {
  engine: DatabaseEngine;
  knex: Knex;
  database: Config['database'];
  /** A directory for DATA_DIR, removed with the database. */
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a SQLite file in a temp dir, or a throwaway PostgreSQL database. */
export async function createTestDatabase(engine: DatabaseEngine): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-test-'));
  if (engine === 'sqlite') {
    const filename = path.join(dataDir, 'test.sqlite');
    const database: Config['database'] = { engine, url: `sqlite:${filename}`, filename, poolMax: 1 };
    const knex = createDatabase(database);
    return {
      engine,
      knex,
      database,
      dataDir,
      async drop() {
        await knex.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `dengbao_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const database: Config['database'] = { engine, url: url.toString(), poolMax: 5 };
  const knex = createDatabase(database);
  return {
    engine,
    knex,
    database,
    dataDir,
    async drop() {
      await knex.destroy();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
