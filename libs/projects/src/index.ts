export * from './project-lookup.service';
export * from './projects.module';
