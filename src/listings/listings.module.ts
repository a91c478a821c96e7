import { Module } from '@nestjs/common';
import { RulesModule } from '../rules/rules.module';
import { ListingsController } from './listings.controller';
import { ListingsRepository } from './listings.repository';
import { ListingsService } from './listings.service';

@Module({
  controllers: [ListingsController],
  exports: [ListingsRepository, ListingsService],
  imports: [RulesModule],
  providers: [ListingsRepository, ListingsService],
})
export class ListingsModule {}
