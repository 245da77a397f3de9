export * from './artifact-scan-reports.service';
export * from './scan-overview';
export * from './scan-report-reader';
export * from './scan-reports.module';
