export * from './redis.module';
export * from './redis-connectivity';
export * from './redis-options';
