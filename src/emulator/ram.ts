// Placeholder: the ram handlers are being written; see types.ts for the contract.
import type { ActionHandler } from './types.js';

export const ramHandlers: Record<string, ActionHandler> = {};
