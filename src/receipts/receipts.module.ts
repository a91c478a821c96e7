import { Module } from '@nestjs/common';
import { ReceiptKeys } from './receipt-keys';
import { ReceiptsController } from './receipts.controller';

/** Signing and verifying receipts, and the public keys (docs/certificates.md). */
@Module({
  controllers: [ReceiptsController],
  exports: [ReceiptKeys],
  providers: [ReceiptKeys],
})
export class ReceiptsModule {}
