import { DynamicModule, Global, Module } from '@nestjs/common';
import { Env } from './env';
import { Secrets } from './secrets';

export interface RuntimeConfig {
  /** The validated environment. */
  env: Env;
  /** The PostgreSQL the service uses: DATABASE_URL, or the embedded server started before the app. */
  databaseUrl: string;
  secrets: Secrets;
  /**
   * Folder of the built console (index.html and assets/), served at `/` when it holds an index.html.
   * Default: dist/console, the output of `npm run build`.
   */
  consoleDir?: string;
}

export const RUNTIME_CONFIG = Symbol('RUNTIME_CONFIG');
export const SECRETS = Symbol('SECRETS');

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
        { provide: SECRETS, useValue: config.secrets },
      ],
      exports: [Env, RUNTIME_CONFIG, SECRETS],
    };
  }
}
