import { Module } from '@nestjs/common';
import { ListingsModule } from '../listings/listings.module';
import { RulesModule } from '../rules/rules.module';
import { DisclosureController } from './disclosure.controller';
import { DisclosureRepository } from './disclosure.repository';
import { DisclosureService } from './disclosure.service';

/** Public disclosure of the lists (docs/integration.md). */
@Module({
  controllers: [DisclosureController],
  imports: [ListingsModule, RulesModule],
  providers: [DisclosureRepository, DisclosureService],
})
export class DisclosureModule {}
