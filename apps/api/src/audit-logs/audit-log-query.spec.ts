import 'reflect-metadata';
import { ApiError } from '../management/api-error';
import { PageQuery } from '../management/pagination';
import { auditLogFilter } from './audit-log-query';

const page = (q?: string, pageNumber = 1, pageSize = 10): PageQuery => Object.assign(new PageQuery(), { q, page: pageNumber, page_size: pageSize });

describe('auditLogFilter', () => {
  it('maps q terms to the filter, with paging and the project', () => {
    expect(auditLogFilter(page('username=~adm,resource=library/a:1,operation={create delete},resource_type=artifact', 3, 20), 7)).toEqual({
      projectId: 7,
      offset: 40,
      limit: 20,
      username: { value: 'adm', fuzzy: true },
      resource: { value: 'library/a:1', fuzzy: false },
      operations: ['create', 'delete'],
      resourceTypes: ['artifact'],
    });
  });

  it('reads op_time bounds as UTC unless a zone is given; a date alone covers its whole day', () => {
    expect(auditLogFilter(page('op_time=[2024-01-31~2024-01-31]'))).toMatchObject({
      from: new Date('2024-01-31T00:00:00.000Z'),
      to: new Date('2024-01-31T23:59:59.999Z'),
    });
    expect(auditLogFilter(page('op_time=[2024-01-31 08:00:00~2024-01-31T12:30:00.250+02:00]'))).toMatchObject({
      from: new Date('2024-01-31T08:00:00.000Z'),
      to: new Date('2024-01-31T10:30:00.250Z'),
    });
    const open = auditLogFilter(page('op_time=[~2024-01-31 08:15]'));
    expect(open.from).toBeUndefined();
    expect(open.to).toEqual(new Date('2024-01-31T08:15:00.000Z'));
  });

  it.each(['op_time=[2024-13-01~]', 'op_time=[2024-02-30~]', 'op_time=[2024-01-01 24:00~]', 'op_time=[1706659200~]', 'op_time=[2024-01-02~2024-01-01]', 'op_time={2024-01-01}'])(
    'refuses %s',
    (q) => {
      expect(() => auditLogFilter(page(q))).toThrow(ApiError);
    },
  );
});
