export * from './artifacts.module';
export * from './manifest.service';
export * from './registry-listing.service';
export * from './artifact-catalog.service';
export * from './artifact-type';
export * from './repository.service';
export * from './artifact-additions.service';
export * from './upstream-manifest-store';
