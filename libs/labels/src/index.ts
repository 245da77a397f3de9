export * from './label';
export * from './label.service';
export * from './labels.module';
