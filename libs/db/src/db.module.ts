import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@wharf/config';
import { dataSourceOptions } from './data-source-options';
import { SqlClient } from './sql-client';

/** The TypeORM connection (domain modules register their entities with forFeature) and SqlClient on its pool. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config), autoLoadEntities: true, retryAttempts: 0 }),
    }),
  ],
  providers: [SqlClient],
  exports: [SqlClient],
})
export class DbModule {}
