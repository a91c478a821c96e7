import { Module } from '@nestjs/common';
import { ApiClientsController } from './api-clients.controller';
import { ApiClientsRepository } from './api-clients.repository';
import { ApiClientsService } from './api-clients.service';

@Module({
  controllers: [ApiClientsController],
  exports: [ApiClientsService],
  providers: [ApiClientsRepository, ApiClientsService],
})
export class ApiClientsModule {}
