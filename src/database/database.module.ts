import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PositionInterceptor } from './position.interceptor';
import { ReplicaSet } from './replicas';
import { Transactions } from './transactions';

@Global()
@Module({
  exports: [ReplicaSet, Transactions],
  providers: [ReplicaSet, Transactions, { provide: APP_INTERCEPTOR, useClass: PositionInterceptor }],
})
export class DatabaseModule {}
