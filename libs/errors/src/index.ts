export * from './describe-failure';
export * from './domain-error';
export * from './domain-errors';
export * from './tls-certificate-codes';
