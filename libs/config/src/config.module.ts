import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { loadConfig } from './load-config';

/** Owns the validated configuration: AppConfig is injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  /** `config` lets tests and tools pass their own; by default the environment is read and validated. */
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useFactory: () => config ?? loadConfig() }],
      exports: [AppConfig],
    };
  }
}
