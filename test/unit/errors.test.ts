import { expect } from 'chai';
import type { Request, Response } from 'express';
import { translateDatabaseError } from '../../server/database/translate-error.js';
import { ForbiddenError, NotFoundError } from '../../server/errors.js';
import { errorHandler } from '../../server/http/error-handler.js';
import { translator } from '../../server/i18n.js';

function run(err: unknown, lang: 'zh-CN' | 'en' = 'en') {
  let status = 0;
  let body: any;
  const res = {
    status(s: number) {
      status = s;
      return this;
    },
    json(b: unknown) {
      body = b;
      return this;
    },
  } as unknown as Response;
  errorHandler(err, { t: translator(lang), lang } as Request, res, () => undefined);
  return { status, body };
}

describe('error handler', () => {
  it('answers { error: { code, message, details } }', () => {
    const { status, body } = run(new ForbiddenError());
    expect(status).to.equal(403);
    expect(body).to.deep.equal({ error: { code: 'forbidden', message: 'You are not allowed to do this', details: [] } });
  });
  it('translates the message and the resource name', () => {
    expect(run(new NotFoundError({ resource: 'organization', id: 'x' }), 'zh-CN').body.error.message).to.equal('未找到组织');
    expect(run(new NotFoundError({ resource: 'organization', id: 'x' }), 'en').body.error.message).to.equal('Organisation not found');
  });
  it('hides unknown errors behind 500 internal, without a stack outside development', () => {
    const { status, body } = run(new Error('secret detail at /srv/x.ts:12'));
    expect(status).to.equal(500);
    expect(body.error.code).to.equal('internal');
    expect(JSON.stringify(body)).not.to.contain('secret detail');
    expect(body.error).not.to.have.property('stack');
  });
  it('maps body-parser failures to 400 invalid_json and 413', () => {
    expect(run(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed' })).body.error.code).to.equal('invalid_json');
    expect(run(Object.assign(new Error('x'), { type: 'entity.too.large' })).status).to.equal(413);
  });
});

describe('database error translation', () => {
  it('maps PostgreSQL SQLSTATEs', () => {
    expect(translateDatabaseError({ code: '23505', detail: 'Key (name)=(x) already exists.' })).to.include({ status: 409, code: 'unique_violation' });
    expect(translateDatabaseError({ code: '23505', detail: 'Key (name)=(x) already exists.' })?.params).to.deep.equal({ field: 'name' });
    expect(translateDatabaseError({ code: '23503' })).to.include({ status: 409, code: 'foreign_key_violation' });
    expect(translateDatabaseError({ code: '23502', column: 'name' })).to.include({ status: 400, code: 'not_null_violation' });
  });
  it('maps SQLite constraint codes', () => {
    const unique = translateDatabaseError({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: 'UNIQUE constraint failed: organizations.name' });
    expect(unique).to.include({ status: 409, code: 'unique_violation' });
    expect(unique?.params).to.deep.equal({ field: 'name' });
    expect(translateDatabaseError({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY', message: 'x' })?.status).to.equal(409);
    expect(translateDatabaseError({ code: 'SQLITE_CONSTRAINT_NOTNULL', message: 'NOT NULL constraint failed: users.username' })?.params).to.deep.equal({ field: 'username' });
  });
  it('leaves other errors alone', () => {
    expect(translateDatabaseError(new Error('boom'))).to.equal(undefined);
  });
});
