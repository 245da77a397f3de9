export * from './webhook-delivery';
export * from './webhook-event-consumer';
export * from './webhook-payload';
export * from './webhook-policy';
export * from './webhook-policy.service';
export * from './webhook-sender';
export * from './webhooks.module';
export * from './webhook-redelivery';
