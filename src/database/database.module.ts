import { Global, Module } from '@nestjs/common';
import { Transactions } from './transactions';

@Global()
@Module({ exports: [Transactions], providers: [Transactions] })
export class DatabaseModule {}
