import { Global, Module } from '@nestjs/common';
import { WharfMetrics } from './wharf-metrics';

/** The process's metrics registry, one per application; libs that count import it (it is global anyway). */
@Global()
@Module({ providers: [WharfMetrics], exports: [WharfMetrics] })
export class MetricsModule {}
