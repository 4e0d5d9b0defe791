import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { EVENT_CATALOG, EVENT_NAMES, FIELD_CATALOG, samplePayload, type EventDescriptor, type FieldDescriptor } from '@callhooks/contracts';
import { PublicApi } from '../auth/auth.decorators';

class EventDescriptorDto {
  @ApiProperty({ enum: EVENT_NAMES, example: 'Call:Hangup' })
  name: string;

  @ApiProperty({ example: 'The call has ended: the last leg hung up.' })
  description: string;

  @ApiProperty({ example: 'once per call' })
  frequency: string;
}

class FieldDescriptorDto {
  @ApiProperty({ example: 'duration' })
  name: string;

  @ApiProperty({ enum: ['string', 'integer'], example: 'integer' })
  type: string;

  @ApiProperty({ example: 'Seconds from call start to the last hangup.' })
  description: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'integer' }], nullable: true, example: 417 })
  example: string | number | null;
}

class CatalogDto {
  @ApiProperty({ type: [EventDescriptorDto], description: 'The events a webhook can listen to (one per webhook).' })
  events: readonly EventDescriptor[];

  @ApiProperty({
    type: [FieldDescriptorDto],
    description: 'The payload fields every event carries (null where not known yet), usable in body templates as {{name}}.',
  })
  fields: readonly FieldDescriptor[];

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'A complete sample payload (what previews render).' })
  sample_payload: Record<string, unknown>;
}

/** The event and field catalog (libs/contracts), for the console's pickers and template editor. */
@ApiTags('catalog')
@PublicApi()
@Controller('v1/events')
export class CatalogController {
  @Get()
  @ApiOperation({ summary: 'The event types and the payload field catalog' })
  @ApiOkResponse({ type: CatalogDto })
  catalog(): CatalogDto {
    return { events: EVENT_CATALOG, fields: FIELD_CATALOG, sample_payload: { ...samplePayload() } };
  }
}
