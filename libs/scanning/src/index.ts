export * from './scan-report';
export * from './reports';
export * from './scan-robot';
export * from './scan-requester';
export * from './policies/cve-allowlists';
export * from './policies/pull-policy';
export * from './policies/scan-report-queries';
export * from './scanning-policies.module';
