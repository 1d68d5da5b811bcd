/** The Alibaba Cloud OpenAPI emulator: serve a world file over loopback HTTP. */
export { startEmulator } from './server.js';
export * from './types.js';
export { loadWorld, parseWorld, type World, WorldError, type WorldInput } from './world.js';
