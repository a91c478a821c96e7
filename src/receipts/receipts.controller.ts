import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import { ReceiptKeys } from './receipt-keys';
import { ReceiptJwkSetDto, ReceiptVerifyResponseDto } from './receipts.dto';

/** Any JSON a caller sends to be verified: checked by verifyDocument, not by the ValidationPipe. */
interface ReceiptVerifyBody {
  [member: string]: unknown;
}

@ApiTags('receipts')
@Controller('receipts')
@Public()
export class ReceiptsController {
  constructor(private readonly keys: ReceiptKeys) {}

  @Get('keys')
  @ApiOperation({
    summary: 'The public keys that verify receipts and certificate manifests, as a JWK set (no sign-in)',
    description:
      'Ed25519 keys (RFC 8037): the current signing key first, then retired keys kept for verification.',
  })
  @ApiOkResponse({ type: ReceiptJwkSetDto })
  getReceiptKeys(): ReceiptJwkSetDto {
    return this.keys.jwks();
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Whether a signed receipt or manifest is genuine and unchanged (no sign-in)',
    description:
      'Checks the signature with the published keys and nothing else: the answer says valid or why not, and ' +
      'tells nothing the document does not hold. The same check runs offline: npm run cli -- receipt:verify FILE.',
  })
  @ApiBody({
    schema: { type: 'object', description: 'A signed document as issued, with its signature member' },
  })
  @ApiOkResponse({ type: ReceiptVerifyResponseDto })
  verifyReceipt(@Body() body: ReceiptVerifyBody): ReceiptVerifyResponseDto {
    return this.keys.verify(body);
  }
}
