// Placeholder: the actiontrail handlers are being written; see types.ts for the contract.
import type { ActionHandler } from './types.js';

export const actiontrailHandlers: Record<string, ActionHandler> = {};
