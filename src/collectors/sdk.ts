/**
 * The SDK packages, loaded with `require()`. They are CommonJS: imported from
 * ESM, Node first scans each module's source for the names it exports
 * (cjs-module-lexer), and the ECS and VPC SDKs' model indexes re-export
 * thousands of classes — a fifth of a scan's start-up (0.2–0.35 s of the
 * 1.1–1.5 s it takes to load them). `require()` loads the same modules, into
 * the same cache, without that scan. Their types come from type-only imports,
 * which load nothing. The collectors are the only code that touches the SDKs.
 */
import { createRequire } from 'node:module';
import type * as EcsSdk from '@alicloud/ecs20140526';
import type * as ImsSdk from '@alicloud/ims20190815';
import type * as OpenApiSdk from '@alicloud/openapi-core';
import type * as RamSdk from '@alicloud/ram20150501';
import type * as ResourceManagerSdk from '@alicloud/resourcemanager20200331';
import type * as StsSdk from '@alicloud/sts20150401';
import type * as VpcSdk from '@alicloud/vpc20160428';
import type * as DaraSdk from '@darabonba/typescript';

const require = createRequire(import.meta.url);

export const $Ecs = require('@alicloud/ecs20140526') as typeof EcsSdk.default;
export const $Ims = require('@alicloud/ims20190815') as typeof ImsSdk.default;
export const $OpenApi = require('@alicloud/openapi-core') as typeof OpenApiSdk.default;
export const $Ram = require('@alicloud/ram20150501') as typeof RamSdk.default;
export const $Rm =
  require('@alicloud/resourcemanager20200331') as typeof ResourceManagerSdk.default;
export const $Sts = require('@alicloud/sts20150401') as typeof StsSdk.default;
export const $Vpc = require('@alicloud/vpc20160428') as typeof VpcSdk.default;
export const $dara = require('@darabonba/typescript') as typeof DaraSdk;
