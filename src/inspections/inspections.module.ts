import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { ScreeningModule } from '../screening/screening.module';
import { InspectionsController, PublicInspectionsController } from './inspections.controller';
import { InspectionsRepository } from './inspections.repository';
import { InspectionsService } from './inspections.service';

/** Random inspections, 双随机一公开 (docs/inspections.md). */
@Module({
  controllers: [InspectionsController, PublicInspectionsController],
  imports: [CasesModule, ScreeningModule],
  providers: [InspectionsRepository, InspectionsService],
})
export class InspectionsModule {}
