export * from './project-lookup.service';
export * from './project-metadata';
export * from './project-name';
export * from './project.service';
export * from './projects.module';
export * from './system-settings.service';
export * from './quota-ledger';
export * from './quota-ledger.module';
