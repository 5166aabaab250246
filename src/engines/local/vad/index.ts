export { DEFAULT_VAD_SETTINGS, EnergyVad, type EnergyVadOptions } from './energy-vad.js';
export { NoiseFloorTracker } from './noise-floor.js';
export { energyVadLevels, type EnergyVadLevels } from './threshold.js';
