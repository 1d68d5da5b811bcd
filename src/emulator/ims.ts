// Placeholder: the ims handlers are being written; see types.ts for the contract.
import type { ActionHandler } from './types.js';

export const imsHandlers: Record<string, ActionHandler> = {};
