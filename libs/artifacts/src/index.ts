export * from './artifacts.module';
export * from './manifest.service';
export * from './registry-listing.service';
