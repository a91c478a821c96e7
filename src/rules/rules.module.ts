import { Module } from '@nestjs/common';
import { RulesController } from './rules.controller';
import { RulesRepository } from './rules.repository';
import { RulesService } from './rules.service';

/** Versioned rule data (docs/rules.md): import it and ask RulesService.inForce(date). */
@Module({
  controllers: [RulesController],
  exports: [RulesService],
  providers: [RulesRepository, RulesService],
})
export class RulesModule {}
