import { randomBytes } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SECRETS } from '../config/config.module';
import { Secrets } from '../config/secrets';
import { PersonalDataModule } from './personal-data.module';
import { PersonalDataProtector } from './personal-data.protector';

describe('PersonalDataModule', () => {
  it('provides one protector built from SECRETS', async () => {
    const given: Secrets = {
      jwtSecret: 'unused',
      piiHmacKey: randomBytes(32),
      piiEncryptionKeys: [{ id: 'k1', key: randomBytes(32) }],
      receiptSigningKey: { kid: 'unused', seed: randomBytes(32) },
    };

    @Global()
    @Module({ providers: [{ provide: SECRETS, useValue: given }], exports: [SECRETS] })
    class SecretsModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [SecretsModule, PersonalDataModule],
    }).compile();
    const protector = moduleRef.get(PersonalDataProtector);
    expect(protector).toBeInstanceOf(PersonalDataProtector);
    expect(protector.currentKeyId).toBe('k1');
    await moduleRef.close();
  });
});
