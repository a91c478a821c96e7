import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { VerifyReason } from './receipt-signature';

export class ReceiptJwkDto {
  @ApiProperty({ enum: ['OKP'] }) kty: 'OKP';
  @ApiProperty({ enum: ['Ed25519'] }) crv: 'Ed25519';
  @ApiProperty({ description: 'The 32-byte public key, base64url' }) x: string;
  @ApiProperty({ example: 'r20261203' }) kid: string;
  @ApiProperty({ enum: ['sig'] }) use: 'sig';
  @ApiProperty({ enum: ['EdDSA'] }) alg: 'EdDSA';
}

export class ReceiptJwkSetDto {
  @ApiProperty({ type: [ReceiptJwkDto], description: 'The current signing key first, then retired keys' })
  keys: ReceiptJwkDto[];
}

export class ReceiptVerifyResponseDto {
  @ApiProperty() valid: boolean;
  @ApiPropertyOptional({
    enum: Object.values(VerifyReason),
    description:
      'Why not: MALFORMED (no well-formed signature), KEY_UNKNOWN (a key this registry does not publish), ' +
      'SIGNATURE_INVALID (the document was changed after signing)',
  })
  reason?: VerifyReason;
  @ApiPropertyOptional({ description: "The signature's key id, when it has one" }) kid?: string;
}
