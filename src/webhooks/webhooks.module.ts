import { Module } from '@nestjs/common';
import { WebhookSender } from './webhook-sender.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Signed webhooks (docs/integration.md): endpoints, the outbox Transactions.run fills beside the
 * change feed, and the sender that delivers it.
 */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookSender, WebhooksRepository, WebhooksService],
})
export class WebhooksModule {}
