export * from './data-source-options';
export * from './database-connectivity';
export * from './run-migrations';
export * from './db.module';
export * from './sql-client';
export * from './plan-refresh';
export * from './escape-like';
export * from './order-by';
