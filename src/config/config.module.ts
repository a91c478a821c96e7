import { DynamicModule, Global, Module } from '@nestjs/common';
import { Env } from './env';

export interface RuntimeConfig {
  /** The validated environment. */
  env: Env;
  /** The PostgreSQL the service uses: DATABASE_URL, or the embedded server started before the app. */
  databaseUrl: string;
}

export const RUNTIME_CONFIG = Symbol('RUNTIME_CONFIG');

/** Makes the validated configuration injectable everywhere: `Env` by class, the rest by token. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: Env, useValue: config.env },
        { provide: RUNTIME_CONFIG, useValue: config },
      ],
      exports: [Env, RUNTIME_CONFIG],
    };
  }
}
