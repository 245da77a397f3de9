export * from './immutability.module';
export * from './immutable-rule';
export * from './immutable-rule.service';
export * from './immutable-tag-guard';
