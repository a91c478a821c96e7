import { Global, Module } from '@nestjs/common';
import { SECRETS } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { PersonalDataProtector } from './personal-data.protector';

/**
 * Makes `PersonalDataProtector` injectable everywhere. Global because every feature that stores a
 * subject's identifier needs it, and the keys it holds must be one instance for the whole process.
 * Needs `SECRETS`, which `ConfigModule.forRoot` provides.
 */
@Global()
@Module({
  exports: [PersonalDataProtector],
  providers: [
    {
      inject: [SECRETS],
      provide: PersonalDataProtector,
      useFactory: (secrets: Secrets) => new PersonalDataProtector(secrets),
    },
  ],
})
export class PersonalDataModule {}
