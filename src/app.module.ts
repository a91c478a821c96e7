import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { ErrorFilter } from './common/errors/error.filter';
import { createValidationPipe } from './common/errors/validation';
import { httpLoggerOptions } from './common/logging/logger';
import { ConfigModule, RuntimeConfig } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { HealthModule } from './health/health.module';

@Module({})
export class AppModule {
  /**
   * The whole application; test apps are built from the same call so they get the same pipe and
   * filter. `extraImports` lets a caller mount further modules (tests mount probe controllers).
   */
  static forRoot(
    config: RuntimeConfig,
    logger: Logger,
    extraImports: ModuleMetadata['imports'] = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        HealthModule,
        LoggerModule.forRoot(httpLoggerOptions(logger)),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl, config.env.DATABASE_POOL_SIZE),
          migrationsRun: config.env.DATABASE_MIGRATIONS_RUN,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        ...extraImports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
