import { plainToInstance } from 'class-transformer';
import { CaseCreateDto } from '../cases/cases.dto';
import { PlanCreateDto } from '../inspections/inspections.dto';
import { WebhookCreateDto } from '../webhooks/webhooks.dto';
import { nullAs } from './transforms';

describe('nullAs', () => {
  it('turns null into the fallback and leaves every other value alone', () => {
    const fallback = nullAs('x');
    expect(fallback({ value: null })).toBe('x');
    for (const value of [undefined, '', 0, false, 'y', [null]]) expect(fallback({ value })).toBe(value);
  });

  it('gives the optional body fields with a default their default for null, as when left out', () => {
    expect(plainToInstance(CaseCreateDto, { status: null }).status).toBe('REPORTED');
    expect(plainToInstance(PlanCreateDto, { inspectorsPerTarget: null }).inspectorsPerTarget).toBe(2);
    expect(plainToInstance(WebhookCreateDto, { description: null }).description).toBe('');
    expect(plainToInstance(WebhookCreateDto, {}).description).toBe('');
  });
});
