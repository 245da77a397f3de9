export * from './credential-cipher';
export * from './credential-key';
export * from './credential-vault';
export * from './secrets.module';
