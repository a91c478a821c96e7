import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { ApiClientsModule } from './api-clients/api-clients.module';
import { AuditModule } from './audit/audit.module';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { CasesModule } from './cases/cases.module';
import { ChangesModule } from './changes/changes.module';
import { RateLimitGuard, rateLimitOptions } from './auth/rate-limit';
import { MemoryThrottlerStorage, PostgresThrottlerStorage } from './auth/rate-limit-store';
import { DataSource } from 'typeorm';
import { ErrorFilter } from './common/errors/error.filter';
import { createValidationPipe } from './common/errors/validation';
import { httpLoggerOptions } from './common/logging/logger';
import { ConfigModule, RuntimeConfig } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { DatabaseModule } from './database/database.module';
import { DisclosureModule } from './disclosure/disclosure.module';
import { ExportsModule } from './exports/exports.module';
import { HealthModule } from './health/health.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { ImportsModule } from './imports/imports.module';
import { InspectionsModule } from './inspections/inspections.module';
import { ListingsModule } from './listings/listings.module';
import { PersonalDataModule } from './personal-data/personal-data.module';
import { ReceiptsModule } from './receipts/receipts.module';
import { RulesModule } from './rules/rules.module';
import { ScreeningModule } from './screening/screening.module';
import { StatsModule } from './stats/stats.module';
import { SubjectsModule } from './subjects/subjects.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';

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
        ApiClientsModule,
        AuditModule,
        AuthModule,
        CasesModule,
        ChangesModule,
        ConfigModule.forRoot(config),
        DatabaseModule,
        DisclosureModule,
        ExportsModule,
        HealthModule,
        HousekeepingModule,
        IdempotencyModule,
        ImportsModule,
        InspectionsModule,
        ListingsModule,
        LoggerModule.forRoot(httpLoggerOptions(logger)),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl, config.env.DATABASE_POOL_SIZE, {
            connectTimeoutMs: config.env.DATABASE_CONNECT_TIMEOUT_MS,
            statementTimeoutMs: config.env.DATABASE_STATEMENT_TIMEOUT_MS,
            idleTimeoutMs: config.env.DATABASE_POOL_IDLE_TIMEOUT_MS,
          }),
          migrationsRun: config.env.DATABASE_MIGRATIONS_RUN,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        PersonalDataModule,
        ReceiptsModule,
        RulesModule,
        ScreeningModule,
        StatsModule,
        SubjectsModule,
        ThrottlerModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            ...rateLimitOptions(config.env),
            storage:
              config.env.RATE_LIMIT_STORE === 'postgres'
                ? new PostgresThrottlerStorage(dataSource)
                : new MemoryThrottlerStorage(),
          }),
        }),
        UsersModule,
        WebhooksModule,
        ...extraImports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        // Order matters: the access guard identifies the caller, then the rate limit counts per caller.
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
