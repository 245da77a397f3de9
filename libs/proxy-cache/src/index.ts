export * from './proxy-blobs';
export * from './proxy-cache.module';
export * from './proxy-manifests';
export * from './proxy-project';
export * from './proxy-tags';
