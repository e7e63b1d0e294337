/** The scenario generator: realistic signed histories for tests, the demo and the benchmarks. */
export type { CastOrg, Person } from './cast.ts';
export { PLANT_CODES, PLANTS, type PlantCode, PRESET_NAMES, PRESETS, type PresetName } from './catalogue.ts';
export { generateScenario, incidentScenario, type Scenario, type ScenarioOptions } from './generate.ts';
export type { ExpectedFinding } from './plan.ts';
export { unsealedEntries } from './readers.ts';
export { SAMPLE_KINDS, type SampleKind, sampleBody, sampleJoint, sampleSegment } from './samples.ts';
